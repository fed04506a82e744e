# Common texts: units, menus, help, errors. English.

# The one form of a duration: hours and two-digit minutes, or minutes alone under an hour.
duration-hm = { $h } h { $m } min
duration-m = { $m } min

menu-open-shift = 🟢 Open shift
menu-close-shift = 🔴 Close shift
menu-status = 📍 Status
menu-plan = 🗓 Plan
menu-my-plans = 📋 My plans
menu-earnings = 💰 Earnings
menu-help = ❓ Help
menu-my-sites = 🏢 My sites
menu-now = 👀 On shift now
menu-reports = 📊 Reports
menu-new-site = ➕ New site

menu-title = Main menu. Choose an action.
welcome = Hello, { $name }! I am StaffProBot: I keep track of shifts at work sites.
welcome-employee = To work at a site, open the invitation link from its owner or scan their QR code.
welcome-employee-sites = { $n ->
    [one] You work at this site:
   *[other] You work at these sites:
}
    { $sites }
    Open a shift, plan one or see your earnings with the menu below.
welcome-site = • “{ $site }”
welcome-site-inactive = • “{ $site }” (deactivated)
welcome-owner = You are an owner: create sites, invite employees and see reports.
help =
    What I can do:
    • Open shift: send your location while you are at the site.
    • Close shift: your location again; I count the time and the pay.
    • Status: your current shift and next plan.
    • Plan and My plans: shifts ahead.
    • Earnings: today, this week, this month or a period.
    Commands: /menu for the menu, /cancel to stop an action, /language to switch language.
help-privacy =
    🔒 Your location is used only to open and close shifts at the site, and to check afterwards that it was not faked (compared with the site's area and your earlier shifts; a doubtful shift goes to the owner for review). The exact point is kept for { $days ->
        [one] { $days } day
       *[other] { $days } days
    } after the shift; then only an approximate place (about 1 km) and the distance to the site remain.
help-owner =
    For owners:
    • My sites: create and edit sites, the link and QR code for employees.
    • On shift now: who is working and who is late.
    • Reports: per site or per employee for a period.
    • /broadcast: write to the employees of a site or of all of them.
    • /token: a key for the HTTP API.
unknown-input = I did not understand that. Choose an action in the menu below or send /help.
cancelled-open-shift = Opening the shift was cancelled.
cancelled-close-shift = Closing the shift was cancelled.
cancelled-plan = Planning the shift was cancelled.
cancelled-earnings = Choosing the earnings period was cancelled.
cancelled-new-site = Creating the site was cancelled.
cancelled-edit-site = Editing the site was cancelled.
cancelled-report = Choosing the report period was cancelled.
cancelled-forgot = Reporting the forgotten close was cancelled.
cancelled-close-for = Closing the employee's shift was cancelled.
cancelled-review = Changing the end of the shift was cancelled.
nothing-to-cancel = Nothing to cancel.
error-generic = Something went wrong. Please try again a bit later.
button-expired = This button has expired. Open the menu again.
no-access-site = You no longer have access to this site.
language-choose = Choose a language:
language-set = Language: English.
button-cancel = Cancel
button-back = ← Back
button-retry = Retry
cmd-start = Start
cmd-menu = Main menu
cmd-help = Help
cmd-cancel = Cancel the current action
cmd-language = Change language
cmd-token = HTTP API key

notify-shift-opened = 🟢 { $employee } opened a shift at “{ $site }” at { $started }.
notify-shift-closed = 🔴 { $employee } closed a shift at “{ $site }” at { $ended }: { $worked }, { $pay }.
notify-auto-closed-owner = ⚠️ The shift of { $employee } at “{ $site }” was closed automatically at { $ended }: { $worked }, { $pay }. Please review it.
notify-auto-closed-employee = ⚠️ Your shift at “{ $site }” was closed automatically at { $ended }: { $worked }, { $pay }. If you worked longer, tell the owner.
