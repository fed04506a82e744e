# employee texts (en).
button-send-location = 📍 Send location
button-retry-location = 📍 Send again
no-sites = You have no sites yet. Ask the owner for an invitation link or QR code.
open-pick-site = Which site do you open the shift at?
open-use-buttons = Choose the site with a button below, or send your location to open at the nearest one. /cancel to stop.
open-site-chosen = Site: { $site }.
open-send-location = Tap “Send location” while you are at the site. The button does not work in Telegram Desktop or Web: open the bot in the phone app.
open-done = ✅ Shift opened at { $time } at “{ $site }”. Have a good shift!
open-already-active = You already have an open shift at “{ $site }”. Close it first.
open-site-inactive = The site is not active: a shift cannot be opened there.
close-send-location = To close the shift, tap “Send location” while you are at the site.
close-no-active = You have no open shift.
close-done = ✅ Shift closed: { $worked } × { $rate }/h = { $pay }.
    🧾 { $date }, { $site }: { $start }–{ $end }.
    { $period } so far: { $month }.
# A pay receipt under a notice that someone else (or the automatic close) closed the shift.
receipt-lines = 🧾 { $date }, { $site }: { $start }–{ $end }, { $worked } × { $rate }/h = { $pay }.
    { $period } so far: { $month }.
# The month of a pay receipt's running total ("December 2026" / "декабрь 2026").
receipt-period = { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
} { $year }
location-expected = I need your location: tap “Send location” below. It does not work in Telegram Desktop or Web; use the phone app. Or /cancel to stop.
location-outside = ❌ You are { $distance } m from the site; at most { $radius } m is allowed. Get closer and send your location again.
location-inaccurate = ❌ The location is too imprecise (±{ $accuracy } m; at most ±{ $max } m is accepted). Turn on GPS, step outside and try again.
location-stale = ❌ This location is old ({ $age } ago). Send your current one with the button below.
location-forwarded = ❌ A forwarded location cannot be used. Send your own current one with the button below.
join-requested = Your request to work at “{ $site }” has been sent to the owner. I will tell you when they answer.
join-unknown-code = This invitation link does not work; it may be outdated. Ask the owner for a new one.
join-already-member = You already work at “{ $site }”.
join-already-requested = Your request for “{ $site }” is already waiting for the owner.
join-approved-employee = 🎉 The owner approved your request: you now work at “{ $site }”. Open a shift from the menu.
join-declined-employee = The owner declined your request to work at “{ $site }”.

## Status
status-active = 🟢 On shift at “{ $site }” since { $since }: { $elapsed } so far. Earned: { $earned }.
status-no-active = You have no open shift.
status-next-plan = 🗓 Next planned shift: { $plan }.
status-no-plan = You have no planned shifts.

## Planning
calendar-weekdays = Mo Tu We Th Fr Sa Su
calendar-month = { $month ->
    [1] January
    [2] February
    [3] March
    [4] April
    [5] May
    [6] June
    [7] July
    [8] August
    [9] September
    [10] October
    [11] November
   *[12] December
} { $year }
plan-pick-site = Which site do you plan a shift at?
plan-use-buttons = Choose the site with a button below, or send /cancel.
plan-pick-date = 🗓 “{ $site }”: choose the day of the shift ({ $from } to { $to }, the site's local time). You can also type it as DD.MM.YYYY.
plan-bad-date = I did not understand the date. Choose it in the calendar or type it as DD.MM.YYYY, e.g. 01.12.2026.
plan-date-out-of-range = You can plan only from { $from } to { $to }.
plan-pick-start = “{ $site }”, { $date }. The site is open { $hours }.
    Choose the start time or type it as HH:MM.
plan-no-times = “{ $site }”, { $date }: a shift can no longer start on this day. Choose another date.
plan-pick-end = “{ $site }”, { $date }, starting at { $start }. The site is open { $hours }.
    Choose the end time or type it as HH:MM. An end before the start means the next day.
plan-time-expected = I need a time: choose it with a button or type it as HH:MM, e.g. 09:30.
plan-bad-time = I did not understand the time “{ $input }”. Type it as HH:MM, e.g. 09:30, or choose a button.
plan-hours = { $opens }–{ $closes }
plan-hours-always = around the clock
plan-next-day = { $time } the next day
plan-line = “{ $site }”, { $date } { $from }–{ $to }
plan-summary =
    Site: “{ $site }”
    Date: { $date }
    Time: { $from } – { $to }
    Length: { $length }
plan-confirm = Plan this shift?
    { $summary }
plan-confirm-use-buttons = Tap “Confirm” or “Cancel”.
plan-button-confirm = ✅ Confirm
plan-done = ✅ Shift planned.
    { $summary }
plan-done-short = ✅ Shift planned.
plan-already = This shift is already planned.
plan-site-inactive = The site is not active: shifts cannot be planned there.
plan-err-overlap = ❌ This shift overlaps one already planned: { $plan }. Choose another time.
plan-err-overlap-other = ❌ This shift overlaps another of your planned shifts. Choose another time.
plan-err-hours = ❌ The site is open { $hours }: the shift must fit within these hours.
plan-err-too-short = ❌ The shift is too short: { $length }. It must last at least { $min }.
plan-err-too-long = ❌ The shift is too long: { $length }. It may last at most { $max }.
plan-err-past = ❌ This time has already passed. Choose a later time.
plan-err-nonexistent = ❌ { $time } on { $date } does not exist at the site: the clocks go forward that night. Choose another time.
plan-err-other = ❌ This shift cannot be planned. Choose another time.

## My plans
plans-title = 📋 Your planned shifts:
plans-none = You have no planned shifts. Plan one with “🗓 Plan”.
plans-cancel-button = ❌ Cancel { $n }: { $date } { $time }
plans-more = …and { $n } more.
plans-cancelled = Shift cancelled: { $plan }.
plans-cancelled-short = Shift cancelled.
plans-cancel-too-late = A shift can be cancelled at the latest { $cutoff } before it starts, and only { $left } are left. If you cannot come, tell the owner.
plans-gone = This shift is no longer planned.

## Earnings
earn-choose = 💰 Earnings for which period?
earn-button-today = Today
earn-button-week = This week
earn-button-month = This month
earn-button-period = Period…
earn-ask-period = Type the period: two dates with a hyphen between them, e.g. { $example }.
earn-bad-period = I did not understand the period. Type two dates with a hyphen between them, e.g. { $example }.
earn-title-today = 💰 Earnings today:
earn-title-week = 💰 Earnings this week:
earn-title-month = 💰 Earnings this month:
earn-title-period = 💰 Earnings from { $from } to { $to }:
earn-none = No finished shifts in this period.
earn-site-line = • “{ $site }”: { $shifts }, { $hours }, { $pay }
earn-total = Total: { $shifts }, { $hours }, { $pay }
earn-shifts = { $n ->
    [one] { $n } shift
   *[other] { $n } shifts
}
shift-already-open = Your shift at “{ $site }” is already open since { $time }. To close it, tap “🔴 Close shift”.

## Reminders of planned shifts and being late
reminder-text = ⏰ Reminder: your shift at “{ $site }” starts { $start } and lasts until { $end }. When you are there, open it with the button below.
reminder-button-open = 🟢 Open shift
reminder-button-late = ⏳ I'll be late
late-told = We told the manager you will be late.
late-gone = This shift is no longer planned.
late-text = ⏳ { $employee } says they will be late for the shift at “{ $site }” that starts { $start }.
no-show-text = ⚠️ { $employee } has not opened the planned shift at “{ $site }” that started { $start }.
