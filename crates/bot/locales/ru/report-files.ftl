# Отчёты файлами в чате: кнопки под отчётом, подписи к файлам и сообщение о ходе подготовки
# большого отчёта в фоне.
report-file-button-xlsx = 📗 Excel
report-file-button-pdf = 📄 PDF
report-file-button-csv = 🧾 CSV
report-file-button-chart = 📈 График
report-file-caption-xlsx = Табель и ведомость, { $period }
report-file-caption-pdf = Платёжная ведомость, { $period }
report-file-caption-pdf-own = Ваш табель, { $period }
report-file-caption-csv = Табель, { $period }
report-file-caption-chart = Часы по дням, { $period }: всего { $hours }
report-file-empty = В этом периоде нет завершённых смен — в файл положить нечего.
report-file-preparing = ⏳ Готовлю отчёт… ({ $shifts })
report-file-progress = ⏳ Готовлю: { $done } из { $total } { $n ->
    [one] строки
   *[other] строк
}…
report-file-done = ✅ Отчёт готов: { $file }
report-file-failed = ❌ Не удалось подготовить отчёт. Попробуйте позже.
report-file-refused = ❌ Этот отчёт вам больше недоступен.
report-file-shifts = { $n ->
    [one] { $count } смена
    [few] { $count } смены
   *[many] { $count } смен
}
