# Report files in the chat: the buttons under a report, the files' captions, and the progress
# message of a big report made in the background.
report-file-button-xlsx = 📗 Excel
report-file-button-pdf = 📄 PDF
report-file-button-csv = 🧾 CSV
report-file-button-chart = 📈 Chart
report-file-caption-xlsx = Timesheet and payroll, { $period }
report-file-caption-pdf = Payroll statement, { $period }
report-file-caption-pdf-own = Your timesheet, { $period }
report-file-caption-csv = Timesheet, { $period }
report-file-caption-chart = Hours per day, { $period }: { $hours } in total
report-file-empty = No finished shifts in this period: there is nothing to put in a file.
report-file-preparing = ⏳ Preparing the report… ({ $shifts })
report-file-progress = ⏳ Preparing: { $done } of { $total } rows…
report-file-done = ✅ The report is ready: { $file }
report-file-failed = ❌ The report could not be prepared. Please try again later.
report-file-refused = ❌ This report is no longer available to you.
report-file-shifts = { $n ->
    [one] { $count } shift
   *[other] { $count } shifts
}
