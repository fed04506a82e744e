# employee texts (en).
button-send-location = 📍 Send location
button-retry-location = 📍 Send again
no-sites = You have no sites yet. Ask the owner for an invitation link or QR code.
open-pick-site = Which site do you open the shift at?
open-site-chosen = Site: { $site }.
open-send-location = Tap “Send location” while you are at the site. The button does not work in Telegram Desktop or Web: open the bot in the phone app.
open-done = ✅ Shift opened at { $time } at “{ $site }”. Have a good shift!
open-already-active = You already have an open shift at “{ $site }”. Close it first.
open-site-inactive = The site is not active: a shift cannot be opened there.
close-send-location = To close the shift, tap “Send location” while you are at the site.
close-no-active = You have no open shift.
close-done = ✅ Shift closed: { $worked } × { $rate }/h = { $pay }.
    This month so far: { $month }.
location-expected = I need your location: tap “Send location” below. It does not work in Telegram Desktop or Web; use the phone app. Or /cancel to stop.
location-outside = ❌ You are { $distance } m from the site; at most { $radius } m is allowed. Get closer and send your location again.
location-inaccurate = ❌ The location is too imprecise (±{ $accuracy } m; at most ±{ $max } m is accepted). Turn on GPS, step outside and try again.
location-stale = ❌ This location is old ({ $age } min ago). Send your current one with the button below.
location-forwarded = ❌ A forwarded location cannot be used. Send your own current one with the button below.
join-requested = Your request to work at “{ $site }” has been sent to the owner. I will tell you when they answer.
join-unknown-code = This invitation link does not work; it may be outdated. Ask the owner for a new one.
join-already-member = You already work at “{ $site }”.
join-already-requested = Your request for “{ $site }” is already waiting for the owner.
join-approved-employee = 🎉 The owner approved your request: you now work at “{ $site }”. Open a shift from the menu.
join-declined-employee = The owner declined your request to work at “{ $site }”.
