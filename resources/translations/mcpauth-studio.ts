<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1">
<context>
    <name>QObject</name>
    <message>
        <source>
… (truncated)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loading</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>seconds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>pending</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>running…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>✔ pass</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>⚠ warn</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>✖ fail</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>skipped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>skip</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Ui::AboutDialog</name>
    <message>
        <source>About MCP Auth Studio</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Test and administer the authorization of MCP servers.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Version:</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Ui::AuditPanel</name>
    <message>
        <source>Client ID</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Subject</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>From</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Events from</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Until</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Events until</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search type, actor, client, subject, address or detail</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Export CSV…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Event type filter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Any type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filter events from a time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Filter events until a time</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export the matching events as CSV</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Audit events</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Event details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select an event to see its details.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Audit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start the servers to see the audit log of the store.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Event %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time: %1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Actor: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Subject: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Address: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n event(s), older ones below</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n event(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Export the audit log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CSV files (*.csv);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The export failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Exported %n event(s) to %1.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Ui::ClientEditor</name>
    <message>
        <source>Authorization code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client credentials</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Device code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Issue a &amp;new client secret (the current one stops working)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Edit client %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a client</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client ID</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Redirect URIs, one per line</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Token endpoint authentication method</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scopes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Application type</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JWK Set (public keys)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JWKS URI</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Issue a new client secret</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>empty: generated</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>http://127.0.0.1/callback</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>{&quot;keys&quot;: [...]} — only for private_key_jwt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>https://… — only for private_key_jwt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>space-separated; empty: every supported scope</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>web</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>native (private-use URI schemes)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Grant %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client &amp;ID:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Redirect URIs:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Grant types:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Authentication:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Scopes:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Application &amp;type:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;JWKS:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JWKS &amp;URI:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The client has a JWK Set; paste a new one to replace it, or leave empty to remove it.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Ui::ClientsPanel</name>
    <message>
        <source>Clients</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client ID</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Authentication</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Grants</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Redirect URIs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scopes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Source</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Secret</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Active tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Users</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Display name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Created</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Updated</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Add…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Register a client</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Edit the selected client</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete the selected client and its tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a user</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set &amp;password…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Set the selected user&apos;s password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete the selected user and revoke its tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re&amp;load</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Read the clients and users again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Clients</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Users</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clients and users</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start the servers to manage the clients and users of the store.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reading the clients failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n client(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n user(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Disabled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Active</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client %1 saved.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client %1 added.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete client</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Delete client &apos;%1&apos; with its codes, consents and tokens (%n active)? Its users must register or be given a new client.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Deleting the client failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Client %1 deleted with %n token(s).</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Password of %1 set.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User %1 added.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete user</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete user &apos;%1&apos;? Its consents are removed and every token issued to it is revoked.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Deleting the user failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>User %1 deleted; %n token(s) revoked.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Ui::ConnectBox</name>
    <message>
        <source>Connect your own MCP client</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Copy snippet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>MCP URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Protected resource metadata URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Authorization server issuer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>MCP client</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Configuration snippet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>MCP URL:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resource metadata:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Issuer:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start the servers to get the URLs and snippets.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Ui::DeviceCodeView</name>
    <message>
        <source>User code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Verification URI</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>QR code of the verification URI</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time left before the code expires</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time to the next poll</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Code expires</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Next poll</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter this code at the verification page, or scan the QR code:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the text (%1 bytes) cannot be put into a QR code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>—</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The user code appears here during a device-flow walk.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%v s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 s left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Ui::ExchangeDetailView</name>
    <message>
        <source>Select an exchange to see its request and response.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No response: %1
</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Ui::FlowsPanel</name>
    <message>
        <source>MCP server URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Username</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client ID</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client secret</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scope</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>S&amp;tep</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export &amp;JSON…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export &amp;HTML…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Redirect URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re&amp;veal secrets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Target</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Embedded MCP server</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>MCP server at a URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>https://mcp.example.com/mcp</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Grant</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Authorization code with PKCE</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Device authorization (RFC 8628)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client credentials</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browser</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>System browser</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Manual (paste the redirect)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Headless (log in as the user)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>empty: register dynamically</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>empty: from the challenge or the metadata</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Flow status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Login (headless)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Continue</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Steps</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Step</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Verdict</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Summary</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checks of the step</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rule</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Level</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Explanation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exchange</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reveal secrets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show the tokens, codes and secrets this walk received in full. They are never exported.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sequence</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Checks</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Device code</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Access token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>start the servers first</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The embedded servers are not running: start them in the Servers panel, or choose an MCP server URL.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Enter the MCP server&apos;s http:// or https:// URL.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Walking %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Step %1: %2…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Step %1 done: %2. Press Step for the next one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No browser could be opened; open the link below yourself.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting for the browser: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Waiting for you: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;a href=&quot;%1&quot;&gt;Open the authorization page&lt;/a&gt;, then paste the URL the browser was redirected to:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Paste the full URL the browser was redirected to.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 passed, %2 warnings, %3 failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The flow succeeded (%1).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled (%1).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The flow failed: %1 (%2).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>the authorization server metadata names no jwks_uri</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>HTTP %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export the run as HTML</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export the run as JSON</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>HTML report (*.html)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JSON (*.json)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The run could not be written to %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exported to %1.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Ui::FrictionPanel</name>
    <message>
        <source>&amp;Connect</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rate (EMA) against the target</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rate (EMA)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Effective target</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Target</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Friction and its thresholds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Friction</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Medium (0.3)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Justification</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Block</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Apply</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Reload</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Friction source</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Embedded engine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remote server</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remote resource server URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>http://127.0.0.1:9401</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Admin token of the remote server</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>admin token (from the server&apos;s admin token file)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connect to the remote server&apos;s event stream</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Principal</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Most recent (automatic)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Friction per tool</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rate chart of the selected tool</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Friction chart of the selected tool</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Friction configuration (JSON)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Apply the friction configuration</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reload the friction configuration from the server</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tool mix of the simulated agent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tool</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Weight</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add tool</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a tool to the mix</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove tool</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove the selected tool from the mix</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calls per second</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> calls/s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calls of the simulated agent per tool</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allowed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Justified</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Blocked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Unjustified</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Errors</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tool mix</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rate:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Configuration</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Simulate an agent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Source:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Principal:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not connected: enter the server&apos;s URL and admin token, then Connect.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The embedded servers are stopped; start them in the Servers panel.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The configuration cannot be applied: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Following the embedded resource server at %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The configuration is not valid JSON: %1 at offset %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The configuration must be the &quot;friction&quot; JSON object.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Applying…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reloaded.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Configuration loaded from %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Applied at %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The configuration was not applied: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The configuration could not be read: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Following the event stream of %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not connected.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The event stream ended: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No tool to chart yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt; of %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no principal yet</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tool mix: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The simulated agent could not start: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Calling as %1 at %2 calls/s.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The simulated agent stopped: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopped by an error.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopped.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Total</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>S&amp;top agent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>S&amp;tart agent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop the simulated agent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start the simulated agent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The simulated agent calls the embedded MCP server only; switch the source to the embedded engine.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Ui::JwtView</name>
    <message>
        <source>JWT header</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JWT payload</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signature status</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Header</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Payload</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The access token of the walk is decoded here once it is issued.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The access token is opaque: only the authorization server can tell what it means (introspection).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The access token cannot be decoded: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Signature (%1): %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> (waiting for the authorization server&apos;s JWKS)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> (the JWKS could not be fetched: %1)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Ui::MainWindow</name>
    <message>
        <source>MCP Auth Studio</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Panels</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Servers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Flows</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clients</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Friction</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Traffic</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Audit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Guided &amp;Tour</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;About MCP Auth Studio</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Servers: start and stop the embedded authorization and MCP servers, change their settings, and copy what your own MCP client needs to connect.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Flows: walk an OAuth flow (PKCE, device, client credentials) step by step against the embedded server or any MCP URL, with every exchange and check.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tokens: every issued token, live; inspect, revoke or purge them.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Clients: register, edit and delete OAuth clients and users.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Friction: watch each tool&apos;s friction level in real time and tune it.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Traffic: every HTTP exchange of the servers and the flows, with details.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Audit: the audit log, filterable and exportable as CSV.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Authorization server %1 · Resource server %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Servers stopped</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Ui::PendingPanel</name>
    <message>
        <source>This panel is not built yet in this version of MCP Auth Studio. It does nothing for now.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>When built, it will: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Ui::SecretDialog</name>
    <message>
        <source>Client secret of %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy this secret now and keep it safe. It is shown only this once: the store keeps only its hash, so it cannot be shown again. Lost? Edit the client and issue a new one.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client secret</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy the client secret</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copied</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client ID: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Ui::SequenceDiagram</name>
    <message>
        <source>Sequence diagram of the flow</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1. %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Ui::ServersPanel</name>
    <message>
        <source>Serve &amp;HTTPS (self-signed certificate unless the config names one)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Test &amp;connection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A&amp;uto-approve every authorization request</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start the servers when the app starts</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Import config…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>E&amp;xport config…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The servers run with the settings of their last start. Stop them to change settings; changes apply, whole, at the next start.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Bind address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Authorization server port</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>any free port</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resource server port</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Issuer</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>derived from the address, e.g. http://127.0.0.1:9400</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>TLS certificate SHA-256 fingerprint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>shown while serving HTTPS</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>default: SQLite file in the application data folder; or postgresql://user@host/db</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Access token format</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Opaque (introspection)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JWT (RFC 9068)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Access token lifetime in seconds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh token lifetime in seconds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Authorization code lifetime in seconds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>off</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> per window</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Token requests per client</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Token requests per address</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CORS origins</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none; e.g. http://localhost:6274 (space separated, * = any)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Authorization server URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resource server URL</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Demo client ID</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Demo user name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Demo user password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show the demo password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Auto-approve is on: every authorization request is approved as the demo user without a login or consent page. Use it for scripted tests only.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Network</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Bind address:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Authorization server port:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Resource server port:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Issuer:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>TLS:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Certificate:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Store</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>S&amp;tore:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Access token &amp;format:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Access token &amp;lifetime:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re&amp;fresh token lifetime:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Authorization &amp;code lifetime:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Protection</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Token requests per &amp;client:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Token requests per a&amp;ddress:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CORS &amp;origins:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Consent:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Running servers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Authorization server:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resource server:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Demo account (to try a flow at once)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Public client ID:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Servers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The servers could not start: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The config file was not loaded: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connected to %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Connection failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import server config</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JSON config (*.json);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export server config</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JSON config (*.json)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Hide</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not started: fix the field marked below (%1).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not started: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Stop servers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Start servers</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>set by an operator; not shown</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Ui::TokensPanel</name>
    <message>
        <source>Token</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>ID</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kind</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Format</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Subject</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Scope</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resource</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Issued</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expires</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rotated</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Family</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Rotated from</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JWT ID (jti)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This is a JWT access token. The store keeps only a hash of every token, never the token itself, so its header and payload cannot be decoded here. Its claims were the values above: sub, client_id, scope, aud (resource), iat, exp and jti.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The store keeps only a hash of the token; the display form above is its prefix and a fragment of that hash.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Client ID</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Revoke</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke the selected tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke &amp;client&apos;s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke every token of the selected token&apos;s client</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke &amp;subject&apos;s</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke every token of the selected token&apos;s subject</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke &amp;family</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoke every token of the selected token&apos;s refresh family</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Purge expired</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete the expired tokens from the store</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Re&amp;load</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Read the tokens again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Token kind filter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Any kind</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Access</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Token state filter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Any state</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Active</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Expired</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Purge progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%v purged</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Token details</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select a token to see its details.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh family</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Token actions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start the servers to see the tokens of the store.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 #%2 %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n token(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n token(s) loaded, more below</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Revoke token %1 (%2)? Resource servers refuse it from now on.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Revoke the %n selected token(s)? Resource servers refuse them from now on.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Revoke tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Revoking failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Revoked %n token(s).</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Revoke the %n active token(s) of client &apos;%1&apos;?</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Revoke the %n active token(s) of subject &apos;%1&apos;?</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Revoke the %n active token(s) of refresh family %1?</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Delete the %n expired token(s) from the store (revoked ones that expired too)? They cannot be inspected afterwards.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Purge expired tokens</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Purging failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Purged %n expired token(s).</source>
        <translation type="unfinished">
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Ui::Tour</name>
    <message>
        <source>&amp;Back</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Next</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>S&amp;kip tour</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Guided tour</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Done</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Ui::TrafficPanel</name>
    <message>
        <source>Filter by method, URL or tag</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Traffic filter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Status filter</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All statuses</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>2xx–3xx</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>4xx</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>5xx</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No response</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Traffic</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>Ui::UserEditor</name>
    <message>
        <source>Set the password of %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add a user</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>User name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Display name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Repeat the password</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;User name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Display name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Repeat:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The two passwords differ.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
