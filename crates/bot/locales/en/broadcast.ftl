# Mass notifications: the /broadcast dialogue, the message employees get, the progress.
cmd-broadcast = Write to your employees
broadcast-heading = 📣 <b>{ $author }</b>:
broadcast-pick-site = Whom to write to? Pick a site, or all of them.
broadcast-all-sites = All my sites
broadcast-ask-text = Type the message for { $whom } (up to { $max } characters).
broadcast-whom-all = the employees of all your sites
broadcast-whom-site = the employees of { $site }
broadcast-preview = The message goes to { $count ->
    [one] { $count } person
   *[other] { $count } people
}:

{ $text }
broadcast-send = ✅ Send
broadcast-cancel = ✖️ Cancel
broadcast-no-sites = You have no sites to write to yet.
broadcast-no-recipients = Nobody to write to: no employee of the chosen sites can receive messages.
broadcast-empty = The message is empty. Type some text.
broadcast-too-long = The message is { $chars } characters long; at most { $max } fit. Shorten it.
broadcast-bad-text = The message holds characters that cannot be sent.
broadcast-progress = 📣 Sending: { $sent } of { $total }…
broadcast-done = 📣 Done: sent to { $sent } of { $total }.
broadcast-done-missed = Could not reach { $unreachable } (blocked the bot), failed { $failed }.
cancelled-broadcast = The broadcast was cancelled.
