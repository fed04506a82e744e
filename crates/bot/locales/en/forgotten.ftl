# Forgotten shifts (en): an owner or manager closes someone's running shift, an employee says
# they forgot to close theirs, and the owner reviews that.

## Owner or manager: closing a running shift from "On shift now"
now-button-close = 🔴 Close: { $employee }
close-for-ask = When did { $employee } leave “{ $site }”? On shift since { $since }. Type the time as HH:MM in the site's time ({ $zone }), or tap “Now”.
close-for-button-now = Now
close-for-confirm = Close the shift of { $employee } at “{ $site }” at { $ended }? Worked { $worked }, pay { $pay }.
close-for-button-confirm = ✅ Close the shift
close-for-done = ✅ The shift of { $employee } at “{ $site }” is closed at { $ended }: { $worked }, { $pay }. { $employee } has been told.
close-for-already-closed = This shift is already closed.
stated-bad-time = I could not read “{ $input }” as a time. Type it as HH:MM, for example 18:30.
stated-before-start = The end cannot be before the shift started ({ $started }). Type a later time.
stated-in-future = The end cannot be in the future (it is { $now } now).

## Employee: "I forgot to close the shift"
forgot-button = 🕓 I forgot to close the shift
forgot-offer = Not at the site any more? If you forgot to close the shift there, say when you left.
forgot-ask = When did you leave “{ $site }”? Your shift started { $since }. Type the time as HH:MM in the site's time ({ $zone }), or tap “Now”.
forgot-button-now = I'm leaving now
forgot-done = ✅ Your shift at “{ $site }” ended at { $ended }: { $worked }, { $pay }. The owner will check it. You can open a new shift now.
forgot-no-active = You have no open shift.

## Owner or manager: reviewing a reported end
review-ask = 🕓 { $employee } forgot to close the shift at “{ $site }” (started { $started }) and says they left at { $ended }: { $worked }, { $pay }. Approve it, or set the right time.
review-button-approve = ✅ Approve
review-button-change = 🕓 Change time
review-change-ask = When did { $employee } leave “{ $site }”? They said { $ended }. Type the time as HH:MM in the site's time ({ $zone }).
review-change-confirm = Set the end of { $employee }'s shift at “{ $site }” to { $ended }? Worked { $worked }, pay { $pay }.
review-button-confirm = ✅ Set this time
review-approved = ✅ Approved: { $employee } at “{ $site }” until { $ended }, { $worked }, { $pay }.
review-changed = ✅ Changed: { $employee } at “{ $site }” until { $ended }, { $worked }, { $pay }.
review-already-done = This shift has already been reviewed.
review-pending = ⚠️ Shifts waiting for your review: { $n }.
review-button-list = 🕓 To review ({ $n })
review-list-empty = No shift is waiting for review.
review-auto-closed = ⚠️ The shift of { $employee } at “{ $site }” (started { $started }) was closed automatically at { $ended }: { $worked }, { $pay }. Approve it, or set the right time.

## Told to the employee
notify-closed-for-employee = 🔴 { $by } closed your shift at “{ $site }” at { $ended }: { $worked }, { $pay }.
notify-review-approved = ✅ { $by } approved the end of your shift at “{ $site }”: { $ended }, { $worked }, { $pay }.
notify-review-changed = 🕓 { $by } changed the end of your shift at “{ $site }” from { $old } to { $ended }: { $worked }, { $pay }.
