# owner texts (en).
join-request = 👤 { $employee } wants to work at “{ $site }”.
button-approve = ✅ Approve
button-decline = ❌ Decline
join-approved-owner = ✅ { $employee } now works at “{ $site }”.
join-declined-owner = ❌ The request of { $employee } for “{ $site }” was declined.
join-already-decided = This request has already been decided.
token-owners-only = HTTP API keys are for owners and managers of sites.
token-issued = Your HTTP API key (shown once, keep it safe):
    <code>{ $token }</code>
    Send it in the Authorization: Bearer … header.
