# What background jobs send besides reminders and shift news: the geolocation audit's review
# requests (to the owner and managers).

review-audit-outside = ⚠️ Please check the shift of { $employee } at “{ $site }” (started { $started }, ended { $ended }: { $worked }, { $pay }): it was closed outside the site's area. Approve it, or set the right time.
review-audit-repeated = ⚠️ Please check the shift of { $employee } at “{ $site }” (started { $started }, ended { $ended }: { $worked }, { $pay }): its location is the same, to the last digit, as on many earlier shifts — a sign of an app that fakes the location. Approve it, or set the right time.
review-audit-travel = ⚠️ Please check the shift of { $employee } at “{ $site }” (started { $started }, ended { $ended }: { $worked }, { $pay }): it started too soon after their previous shift ended far from here. Approve it, or set the right time.
audit-outside-detail = 📍 Closed { $km } km from the site; the radius is { $radius } m, the location was accurate to { $accuracy } m.
audit-repeated-detail = 📍 The same point as on { $count ->
    [one] { $count } earlier shift
   *[other] { $count } earlier shifts
}.
audit-travel-detail = 🚀 { $km } km from where the previous shift ended { $minutes } min before: about { $speed } km/h.

# Pay statements (to the employee) and the payroll (to the owner), at the end of each month.
statement-text = 🧾 Your pay statement for { $from } – { $to } at “{ $site }”: { $shifts }, { $worked }, { $pay }.
statement-correction = 🧾 Corrected pay statement (version { $version }) for { $from } – { $to } at “{ $site }”: { $shifts }, { $worked }, { $pay }. It replaces the one sent before.
payroll-head = 📋 Payroll for { $from } – { $to } at “{ $site }”:
payroll-head-corrected = 📋 Corrected payroll for { $from } – { $to } at “{ $site }” (a statement changed; this replaces the one sent before):
payroll-row = • { $employee }: { $shifts }, { $worked }, { $pay }
payroll-total = Total: { $worked }, { $pay }.
