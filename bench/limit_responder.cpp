// The machine's limit for the HTTP benchmarks: the least a server can do per request on
// this kernel. Answers every request on a kept-alive connection with a fixed
// `{"ok":true}` (one recv and one send per batch of requests, epoll, no parsing beyond
// finding the end of each request's header block; bodies are not supported). Linux only.
// Usage: bench_limit_responder [port] [threads]   (threads default 1)

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

constexpr std::string_view kResponse = "HTTP/1.1 200 OK\r\n"
                                       "Content-Type: application/json\r\n"
                                       "Content-Length: 11\r\n"
                                       "\r\n"
                                       "{\"ok\":true}";
constexpr std::string_view kHeaderEnd = "\r\n\r\n";
constexpr size_t kMaxPending = 16 * 1024;

// Appends one response per complete request in `pending` and keeps the incomplete tail.
// Returns false when the tail grows past kMaxPending (the peer is not sending HTTP).
bool answerCompleteRequests(std::string &pending, std::string &out)
{
    size_t start = 0;
    for (size_t end = pending.find(kHeaderEnd); end != std::string::npos;
         end = pending.find(kHeaderEnd, start)) {
        out.append(kResponse);
        start = end + kHeaderEnd.size();
    }
    pending.erase(0, start);
    return pending.size() <= kMaxPending;
}

void serve(int listenFd)
{
    const int epollFd = ::epoll_create1(0);
    epoll_event listenEvent{};
    listenEvent.events = EPOLLIN | EPOLLEXCLUSIVE;
    listenEvent.data.fd = listenFd;
    ::epoll_ctl(epollFd, EPOLL_CTL_ADD, listenFd, &listenEvent);

    std::unordered_map<int, std::string> pending;
    std::vector<char> buffer(64 * 1024);
    std::string out;
    std::array<epoll_event, 64> events{};
    for (;;) {
        const int ready = ::epoll_wait(epollFd, events.data(), int(events.size()), -1);
        for (int i = 0; i < ready; ++i) {
            const int fd = events[size_t(i)].data.fd;
            if (fd == listenFd) {
                const int client = ::accept4(listenFd, nullptr, nullptr, SOCK_NONBLOCK);
                if (client < 0)
                    continue;
                const int one = 1;
                ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                epoll_event clientEvent{};
                clientEvent.events = EPOLLIN;
                clientEvent.data.fd = client;
                ::epoll_ctl(epollFd, EPOLL_CTL_ADD, client, &clientEvent);
                pending[client];
                continue;
            }
            const ssize_t received = ::recv(fd, buffer.data(), buffer.size(), 0);
            std::string &tail = pending[fd];
            if (received > 0)
                tail.append(buffer.data(), size_t(received));
            out.clear();
            if (received <= 0 || !answerCompleteRequests(tail, out)) {
                ::close(fd);
                pending.erase(fd);
                continue;
            }
            // Responses are tiny; a full send buffer only happens to a peer that stopped
            // reading, and that peer loses its answers (acceptable for a load generator).
            if (!out.empty())
                ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
        }
    }
}

} // namespace

int main(int argc, char **argv)
{
    const int port = argc > 1 ? std::atoi(argv[1]) : 18081;
    const int threads = argc > 2 ? std::max(1, std::atoi(argv[2])) : 1;
    std::signal(SIGPIPE, SIG_IGN);

    const int listenFd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    const int one = 1;
    ::setsockopt(listenFd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(uint16_t(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listenFd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0 ||
        ::listen(listenFd, 1024) != 0) {
        std::fprintf(stderr, "cannot listen on 127.0.0.1:%d: %s\n", port, std::strerror(errno));
        return 1;
    }
    std::printf("listening on http://127.0.0.1:%d/ with %d thread(s)\n", port, threads);
    std::fflush(stdout);

    std::vector<std::thread> workers;
    for (int i = 0; i < threads; ++i)
        workers.emplace_back(serve, listenFd);
    for (auto &worker : workers)
        worker.join();
    return 0;
}
