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

## Sections for owners and managers
owner-section-only = This section is for site owners and managers.
owner-list-cut = Showing the first { $n }.
site-owners-only = Only owners can create sites. Ask the StaffProBot administrator to register you as an owner.

## A site's settings
site-field-name = Name
site-field-address = Address
site-field-location = Location
site-field-radius = Radius
site-field-hours = Opening hours
site-field-zone = Time zone
site-field-rate = Rate
site-ask-name = What is the site called? For example: Coffee house on Tverskaya.
site-ask-address = The site's address (shown in its card). Press “No address” if it needs none.
site-ask-location = Where is the site? Press “📍 Send location” if you are there now, attach a point on the map (📎 → Location), or type the coordinates, e.g. “55.7539, 37.6208”.
site-ask-radius = How far from that point may an employee be to open and close a shift? Choose or type the radius in metres (10 to 5000).
site-ask-hours = Opening hours in the site's local time: type them like “09:00-21:00” (past midnight is fine, e.g. “20:00-06:00”) or press “24/7”.
site-ask-zone = The site's time zone. By its location it is { $zone }. Choose a zone or type its IANA name, e.g. Europe/Moscow.
site-ask-rate = The hourly rate in rubles, e.g. “350” or “350.50”.
site-fmt-text = Please answer with a text message.
site-fmt-location = I could not read the coordinates. Send a point on the map or type latitude and longitude separated by a comma, e.g. “55.7539, 37.6208”.
site-fmt-radius = Type the radius as a whole number of metres from 10 to 5000, e.g. “150”, or choose a button.
site-fmt-hours = I could not read the opening hours. Type them like “09:00-21:00” (past midnight: “20:00-06:00”) or press “24/7”.
site-fmt-zone = Choose a time zone with a button or type its name, e.g. Europe/Moscow.
site-fmt-rate = Type the rate as a number, e.g. “350” or “350.50” (at most two decimals).
site-err-name-empty = The name is empty: type it in letters or digits.
person-err-name-empty = The name is empty: type it in letters or digits.
person-err-name-length = A person's name must be 1 to 128 characters; this one has { $len }.
site-err-name-length = The name must be 1 to 100 characters; this one has { $len }.
site-err-address-length = The address must be at most 300 characters; this one has { $len }.
site-err-latitude = Latitude must be from -90 to 90, got { $value }.
site-err-longitude = Longitude must be from -180 to 180, got { $value }.
site-err-radius = The radius must be from 10 to 5000 m, got { $value }.
site-err-time-of-day = “{ $value }” is not a time of day. Use HH:MM, e.g. 09:00.
site-err-time-zone = Unknown time zone “{ $value }”. Choose one with a button or type an IANA name such as Europe/Moscow.
site-err-rate = The rate must be from 0 to { $max } per hour.
site-err-control-character = Please write it as one line of ordinary text: line breaks and control characters cannot be saved.
site-err-other = This value cannot be used: { $message }
site-invalid = ⚠️ { $reason }
site-answered = ✔️ { $field }: { $value }
site-edit-current = Now: { $value }
site-metres = { $n } m
site-address-none = no address
site-hours-24-7 = 24/7
site-hours-daily = { $opens }–{ $closes }
site-hours-overnight = { $opens }–{ $closes } (past midnight)
site-zone-kaliningrad = Kaliningrad
site-zone-moscow = Moscow
site-zone-samara = Samara
site-zone-yekaterinburg = Yekaterinburg
site-zone-omsk = Omsk
site-zone-novosibirsk = Novosibirsk
site-zone-krasnoyarsk = Krasnoyarsk
site-zone-irkutsk = Irkutsk
site-zone-yakutsk = Yakutsk
site-zone-vladivostok = Vladivostok
site-zone-magadan = Magadan
site-zone-kamchatka = Kamchatka
site-card =
    🏢 <b>{ $name }</b>
    📫 { $address }
    📍 { $coords }, radius { $radius }
    🕘 { $hours }
    🌍 { $zone }
    💰 { $rate } per hour
site-button-location = 📍 Send location
site-button-no-address = No address
site-button-24-7 = 24/7

## Creating a site
new-site-step = ➕ <b>New site</b> · step { $step } of { $of }
new-site-summary =
    Check the new site:

    { $card }

    Create it?
new-site-press-create = Press “Create site” or “Cancel”.
site-button-create = ✅ Create site
new-site-done = ✅ Site “{ $name }” created.
new-site-created = Done! Invite employees with the site's link or QR code (the “🔗 Link and QR code” button below).

## My sites
owner-sites-title = 🏢 Your sites ({ $n }). Choose one:
owner-sites-none = You have no sites yet.
owner-sites-none-owner = You have no sites yet. Create the first one with “➕ New site”.
site-status-active = 🟢 Active
site-status-inactive = ⏸ Deactivated: employees cannot open shifts or join
site-notify-on = 🔔 You are notified when shifts open and close
site-notify-off = 🔕 You are not notified when shifts open and close
site-button-edit = ✏️ Edit
site-button-join-link = 🔗 Link and QR code
site-button-employees = 👥 Employees
site-button-notify-on = 🔔 Notifications: on
site-button-notify-off = 🔕 Notifications: off
site-button-deactivate = ⏸ Deactivate site
site-button-activate = ▶️ Activate site
site-button-all-sites = ← All sites
site-activated = Site activated.
site-deactivated = Site deactivated.
site-notify-turned-on = Notifications on.
site-notify-turned-off = Notifications off.
site-edit-pick = ✏️ What do you want to change at “{ $name }”?
site-edit-header = ✏️ “{ $name }” · { $field }
site-edit-saved = ✅ Saved. { $field }: { $value }
site-edit-rate-new-shifts = The new rate applies to shifts opened from now on: running and past shifts keep their rate and currency, and reports count them in it.
site-join-link =
    🔗 Invitation to “{ $site }”:
    { $link }

    An employee opens the link (or scans the QR code) and presses Start; you approve the request here.
site-join-link-inactive = ⚠️ The site is deactivated: the link works again once you activate it.
site-join-qr-caption = QR code for employees of “{ $site }”
site-employees-title = 👥 Employees of “{ $site }” ({ $n }):
site-employees-none = Nobody works at “{ $site }” yet. Send your employees the invitation link.
site-employees-hint = Tap a name to revoke that person's access.
site-button-revoke = ❌ { $name }
site-revoke-confirm = Revoke the access of { $employee } to “{ $site }”? They will not be able to open shifts there.
site-button-revoke-yes = Yes, revoke
site-button-no = No
site-revoke-done = { $employee } no longer works at “{ $site }”.
site-revoke-gone = This employee has no access to the site any more.
site-revoke-employee-told = The owner has revoked your access to “{ $site }”.

## On shift now
now-title = 👀 <b>On shift now</b>: { $working }, late: { $late }
now-no-sites = You have no sites yet.
now-site = 🏢 <b>{ $site }</b>
now-on-shift = 🟢 { $employee } since { $since } ({ $elapsed })
now-late = ⏰ { $employee } is late: shift { $start }–{ $end }, { $late } past the start
now-nobody = — nobody on shift
now-more-sites = …and { $n } more sites.
now-button-refresh = 🔄 Refresh

## Reports
report-pick-scope = 📊 A report for what?
report-button-all = All sites
report-button-by-employee = 👤 By employee
report-pick-employee = 👤 Choose an employee:
report-no-employees = Nobody works at your sites yet.
report-employee-gone = This employee no longer works at your sites.
report-pick-period = 📊 { $scope }: which period?
report-scope-all = All sites
report-scope-site = Site “{ $site }”
report-scope-employee = Employee { $employee }
report-button-today = Today
report-button-week = This week
report-button-month = This month
report-button-period = 📅 Other period
report-ask-range = Type the period, e.g. “01.11.2026-15.11.2026”, or one date.
report-range-invalid = I could not read “{ $text }” as dates.
report-too-long = A report covers at most { $days } days.
report-header =
    📊 <b>{ $scope }</b>
    📅 { $period }
report-empty = No finished shifts in this period.
report-total = Total: { $shifts }, { $hours }, { $pay }
report-by-site = <b>By site:</b>
report-by-employee = <b>By employee:</b>
report-line = • { $name }: { $shifts }, { $hours }, { $pay }
report-more = …and { $n } more.
report-shifts = { $n ->
    [one] { $n } shift
   *[other] { $n } shifts
}
