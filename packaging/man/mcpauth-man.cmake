# Generates the mcpauth(1) man page from the command line's own help: `mcpauth help` lists
# the commands, `mcpauth <command> [<subcommand>] --help` gives each one's options. Run at
# build time: cmake -DMCPAUTH=path/to/mcpauth -DOUTPUT=mcpauth.1 -DVERSION=x.y.z
#                   -DDATE=YYYY-MM-DD -DHOMEPAGE=url -P mcpauth-man.cmake
# A command whose help cannot be read fails the build rather than leaving a gap.

cmake_minimum_required(VERSION 3.25)

foreach(required MCPAUTH OUTPUT VERSION DATE HOMEPAGE)
    if(NOT DEFINED ${required})
        message(FATAL_ERROR "mcpauth-man.cmake: -D${required}=... is required")
    endif()
endforeach()

# The help names the default store under the home folder: run in a throwaway home and show
# it as "~", so the page does not carry the build machine's paths.
get_filename_component(out_dir "${OUTPUT}" DIRECTORY)
set(fake_home "${out_dir}/home")
file(REMOVE_RECURSE "${fake_home}")
file(MAKE_DIRECTORY "${fake_home}")
set(ENV{HOME} "${fake_home}")
unset(ENV{XDG_DATA_HOME})
unset(ENV{XDG_CONFIG_HOME})

# CMake lists split at ";" and treat brackets specially: help text travels through them
# with placeholders, restored in the written page.
set(semicolon "@MCPAUTH_SEMICOLON@")
set(left_bracket "@MCPAUTH_LEFT_BRACKET@")
set(right_bracket "@MCPAUTH_RIGHT_BRACKET@")

function(run_help out)
    execute_process(COMMAND "${MCPAUTH}" ${ARGN}
                    OUTPUT_VARIABLE text ERROR_VARIABLE error RESULT_VARIABLE code
                    TIMEOUT 30)
    if(NOT code EQUAL 0 OR text STREQUAL "")
        string(JOIN " " shown ${ARGN})
        message(FATAL_ERROR "mcpauth-man.cmake: 'mcpauth ${shown}' failed (${code}): ${error}")
    endif()
    string(REPLACE ";" "${semicolon}" text "${text}")
    string(REPLACE "[" "${left_bracket}" text "${text}")
    string(REPLACE "]" "${right_bracket}" text "${text}")
    set(${out} "${text}" PARENT_SCOPE)
endfunction()

# The length a help line had on screen (placeholders counted as one character).
function(screen_length line out)
    string(REPLACE "${semicolon}" ";" line "${line}")
    string(REPLACE "${left_bracket}" "[" line "${line}")
    string(REPLACE "${right_bracket}" "]" line "${line}")
    string(LENGTH "${line}" length)
    set(${out} ${length} PARENT_SCOPE)
endfunction()

# Text to troff: backslashes and hyphens escaped, no line starting with a control character.
function(troff_escape text out)
    string(REPLACE "${fake_home}" "~" text "${text}")
    string(REPLACE "\\" "\\e" text "${text}")
    string(REPLACE "-" "\\-" text "${text}")
    # Long paths and URLs may break after a slash (\: is an optional break point).
    string(REPLACE "/" "/\\:" text "${text}")
    if(text MATCHES "^[.']")
        set(text "\\&${text}")
    endif()
    set(${out} "${text}" PARENT_SCOPE)
endfunction()

# "--store <url>" -> bold option, italic argument.
function(troff_term term out)
    troff_escape("${term}" term)
    string(REGEX REPLACE "<([^>]+)>" "\\\\fI\\1\\\\fB" term "${term}")
    set(${out} "\\fB${term}\\fR" PARENT_SCOPE)
endfunction()

# A two-column list ("  term   description", continuation lines indented further) as
# .TP paragraphs. QCommandLineParser breaks a word longer than the line (a long URL)
# without a space: such a continuation is joined without one.
function(troff_list lines out)
    set(result "")
    set(term "")
    set(description "")
    set(previous_length 0)
    set(previous_segment "")
    foreach(line IN LISTS lines)
        # A term is words separated by single spaces; two or more end it.
        if(line MATCHES "^  ([^ ]+( [^ ]+)*)(  +(.*))?$")
            if(NOT term STREQUAL "")
                troff_entry("${term}" "${description}" entry)
                string(APPEND result "${entry}")
            endif()
            set(term "${CMAKE_MATCH_1}")
            set(description "${CMAKE_MATCH_4}")
            set(previous_segment "${CMAKE_MATCH_4}")
        elseif(line MATCHES "^    *(.*)$")
            set(segment "${CMAKE_MATCH_1}")
            if(previous_length GREATER_EQUAL 79 AND NOT previous_segment MATCHES " ")
                string(APPEND description "${segment}")
            else()
                string(APPEND description " ${segment}")
            endif()
            set(previous_segment "${segment}")
        else()
            continue()
        endif()
        screen_length("${line}" previous_length)
    endforeach()
    if(NOT term STREQUAL "")
        troff_entry("${term}" "${description}" entry)
        string(APPEND result "${entry}")
    endif()
    set(${out} "${result}" PARENT_SCOPE)
endfunction()

function(troff_entry term description out)
    troff_term("${term}" term)
    troff_escape("${description}" description)
    set(${out} ".TP\n${term}\n${description}\n" PARENT_SCOPE)
endfunction()

# Splits help text into lines (a list), keeping empty lines.
function(help_lines text out)
    string(REPLACE "\n" ";" lines "${text}")
    set(${out} "${lines}" PARENT_SCOPE)
endfunction()

# One command's QCommandLineParser help as a subsection.
function(command_section words out)
    run_help(text ${words} --help)
    help_lines("${text}" lines)
    string(JOIN " " title mcpauth ${words})
    set(section ".SS \"${title}\"\n")
    set(mode description)
    set(options "")
    set(arguments "")
    set(paragraph "")
    foreach(line IN LISTS lines)
        if(line MATCHES "^Usage: [^ ]+(.*)$")
            # The parser names the executable's path; the page shows the command.
            troff_escape("${title}${CMAKE_MATCH_1}" usage)
            string(APPEND section ".B ${usage}\n.PP\n")
        elseif(line STREQUAL "Options:")
            set(mode options)
        elseif(line STREQUAL "Arguments:")
            set(mode arguments)
        elseif(mode STREQUAL "description")
            # The parser repeats the command's name as its description; skip that.
            if(NOT line STREQUAL "" AND NOT line STREQUAL title)
                troff_escape("${line}" escaped)
                string(APPEND paragraph "${escaped}\n")
            endif()
        elseif(NOT line MATCHES "^  -h, --help ")
            list(APPEND ${mode} "${line}")
        endif()
    endforeach()
    string(APPEND section "${paragraph}")
    if(arguments)
        troff_list("${arguments}" list)
        string(APPEND section ".PP\nArguments:\n${list}")
    endif()
    if(options)
        troff_list("${options}" list)
        string(APPEND section ".PP\nOptions:\n${list}")
    endif()
    set(${out} "${section}" PARENT_SCOPE)
endfunction()

run_help(usage help)
help_lines("${usage}" usage_lines)

# The "Commands:" block of `mcpauth help`: "  serve   run ...", "  db migrate   apply ...",
# "  clients   add|list|show|remove registered ...", "  flow URL   walk ...".
set(in_commands OFF)
set(command_lines)
set(invocations)
foreach(line IN LISTS usage_lines)
    if(line STREQUAL "Commands:")
        set(in_commands ON)
        continue()
    elseif(line STREQUAL "")
        set(in_commands OFF)
        continue()
    endif()
    if(NOT in_commands)
        continue()
    endif()
    list(APPEND command_lines "${line}")
    if(NOT line MATCHES "^  ([a-z][a-z-]*)( [a-z][a-z-]*)?( [A-Z]+)?   *(.*)$")
        message(FATAL_ERROR "mcpauth-man.cmake: cannot read the help line '${line}'")
    endif()
    set(command "${CMAKE_MATCH_1}")
    string(STRIP "${CMAKE_MATCH_2}" sub)
    set(description "${CMAKE_MATCH_4}")
    if(command STREQUAL "help")
        continue()
    endif()
    if(NOT sub STREQUAL "")
        list(APPEND invocations "${command} ${sub}")
    elseif(description MATCHES "^([a-z][a-z-]*(\\|[a-z][a-z-]*)+) ")
        string(REPLACE "|" ";" subs "${CMAKE_MATCH_1}")
        foreach(s IN LISTS subs)
            list(APPEND invocations "${command} ${s}")
        endforeach()
    else()
        list(APPEND invocations "${command}")
    endif()
endforeach()
if(NOT invocations)
    message(FATAL_ERROR "mcpauth-man.cmake: 'mcpauth help' lists no commands")
endif()

troff_list("${command_lines}" command_list)
set(sections "")
foreach(invocation IN LISTS invocations)
    string(REPLACE " " ";" words "${invocation}")
    command_section("${words}" section)
    string(APPEND sections "${section}")
endforeach()

troff_escape("${HOMEPAGE}" homepage)
set(page ".\\\" Generated from `mcpauth help` by packaging/man/mcpauth-man.cmake.
.TH MCPAUTH 1 \"${DATE}\" \"mcpauth ${VERSION}\" \"User Commands\"
.nh
.ad l
.SH NAME
mcpauth \\- test and administer authorization of MCP servers from the command line
.SH SYNOPSIS
.B mcpauth
.I command
.RI [ options ]
.br
.B mcpauth \\-\\-version
.SH DESCRIPTION
.B mcpauth
is the command line and headless server of MCP Auth Studio. It runs the OAuth 2.1
authorization server and the protected MCP (Model Context Protocol) server, walks
authorization flows against an MCP server, drives simulated agent traffic, and administers
the token store: clients, users, tokens, signing keys and the audit log.
.PP
Commands:
${command_list}.SH COMMANDS
${sections}.SH STORES
.TP
.B sqlite:///absolute/path/file.db
A local SQLite file (WAL mode, file mode 0600). The default is
.IR \"~/.local/share/MCP Auth Studio/mcpauth\\-studio/mcpauth.db\" .
.TP
.B postgresql://user:password@host:port/database
A PostgreSQL database shared by several headless servers.
.SH SERVICE
The package installs the systemd unit
.B mcpauth.service
disabled. It runs
.B mcpauth serve \\-\\-config /etc/mcpauth/config.json
as a dynamic user with its state (the SQLite store, the admin token) in
.IR /var/lib/mcpauth .
Enable and start it with
.B systemctl enable \\-\\-now mcpauth.service
and read its log with
.BR \"journalctl \\-u mcpauth.service\" .
.SH FILES
.TP
.I /etc/mcpauth/config.json
The service's settings; an unknown setting or a value of the wrong type is an error naming
the field.
.TP
.I /etc/mcpauth/README
What each setting of config.json means.
.TP
.I /var/lib/mcpauth
The service's state.
.SH EXIT STATUS
0 on success, non\\-zero on a usage error or a failure, with a message on standard error.
.SH SEE ALSO
.BR mcpauth\\-studio (1),
.BR systemctl (1),
.BR journalctl (1)
.PP
${homepage}
")
string(REPLACE "${semicolon}" ";" page "${page}")
string(REPLACE "${left_bracket}" "[" page "${page}")
string(REPLACE "${right_bracket}" "]" page "${page}")
file(WRITE "${OUTPUT}" "${page}")
