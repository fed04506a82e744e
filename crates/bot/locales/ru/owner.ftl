# owner texts (ru).
join-request = 👤 { $employee } хочет работать на объекте «{ $site }».
button-approve = ✅ Одобрить
button-decline = ❌ Отклонить
join-approved-owner = ✅ { $employee } теперь работает на объекте «{ $site }».
join-declined-owner = ❌ Запрос { $employee } на объект «{ $site }» отклонён.
join-already-decided = По этому запросу уже принято решение.
token-owners-only = Ключ HTTP API выдаётся владельцам и управляющим объектов.
token-issued = Ваш ключ HTTP API (показывается один раз, сохраните его):
    <code>{ $token }</code>
    Передавайте его в заголовке Authorization: Bearer …

## Sections for owners and managers
owner-section-only = Этот раздел — для владельцев и управляющих объектов.
owner-list-cut = Показаны первые { $n }.
site-owners-only = Создавать объекты могут только владельцы. Попросите администратора StaffProBot зарегистрировать вас как владельца.

## A site's settings
site-field-name = Название
site-field-address = Адрес
site-field-location = Место
site-field-radius = Радиус
site-field-hours = Часы работы
site-field-zone = Часовой пояс
site-field-rate = Ставка
site-ask-name = Как называется объект? Например: Кофейня на Тверской.
site-ask-address = Адрес объекта (его увидят в карточке объекта). Нажмите «Без адреса», если адрес не нужен.
site-ask-location = Где находится объект? Нажмите «📍 Отправить геопозицию», если вы сейчас там, прикрепите точку на карте (📎 → Геопозиция) или введите координаты, например «55.7539, 37.6208».
site-ask-radius = На каком расстоянии от этой точки сотрудник может открыть и закрыть смену? Выберите или введите радиус в метрах (от 10 до 5000).
site-ask-hours = Часы работы по местному времени объекта: введите, например, «09:00-21:00» (можно через полночь, например «20:00-06:00») или нажмите «Круглосуточно».
site-ask-zone = Часовой пояс объекта. Судя по месту, это { $zone }. Выберите пояс или введите его название IANA, например Europe/Moscow.
site-ask-rate = Ставка в час в рублях, например «350» или «350,50».
site-fmt-text = Нужен текст. Введите ответ сообщением.
site-fmt-location = Не понял координаты. Отправьте точку на карте или введите широту и долготу через запятую, например «55.7539, 37.6208».
site-fmt-radius = Введите радиус целым числом метров от 10 до 5000, например «150», или выберите кнопкой.
site-fmt-hours = Не понял часы работы. Введите их как «09:00-21:00» (через полночь — «20:00-06:00») или нажмите «Круглосуточно».
site-fmt-zone = Выберите часовой пояс кнопкой или введите его название, например Europe/Moscow.
site-fmt-rate = Введите ставку числом, например «350» или «350,50» (не больше двух знаков после запятой).
site-err-name-empty = Название пустое: напишите его буквами или цифрами.
person-err-name-empty = Имя пустое: напишите его буквами или цифрами.
person-err-name-length = Имя должно быть от 1 до 128 символов, а в этом { $len }.
site-err-name-length = Название должно быть от 1 до 100 символов, а в этом { $len }.
site-err-address-length = Адрес должен быть не длиннее 300 символов, а в этом { $len }.
site-err-latitude = Широта должна быть от -90 до 90, а получилось { $value }.
site-err-longitude = Долгота должна быть от -180 до 180, а получилось { $value }.
site-err-radius = Радиус должен быть от 10 до 5000 м, а получилось { $value }.
site-err-time-of-day = «{ $value }» — не время суток. Используйте формат ЧЧ:ММ, например 09:00.
site-err-time-zone = Не знаю часового пояса «{ $value }». Выберите его кнопкой или введите название IANA, например Europe/Moscow.
site-err-rate = Ставка должна быть от 0 до { $max } в час.
site-err-control-character = Напишите это одной строкой обычного текста: переносы строк и управляющие символы сохранить нельзя.
site-err-other = Значение не подходит: { $message }
site-invalid = ⚠️ { $reason }
site-answered = ✔️ { $field }: { $value }
site-edit-current = Сейчас: { $value }
site-metres = { $n } м
site-address-none = без адреса
site-hours-24-7 = круглосуточно
site-hours-daily = { $opens }–{ $closes }
site-hours-overnight = { $opens }–{ $closes } (через полночь)
site-zone-kaliningrad = Калининград
site-zone-moscow = Москва
site-zone-samara = Самара
site-zone-yekaterinburg = Екатеринбург
site-zone-omsk = Омск
site-zone-novosibirsk = Новосибирск
site-zone-krasnoyarsk = Красноярск
site-zone-irkutsk = Иркутск
site-zone-yakutsk = Якутск
site-zone-vladivostok = Владивосток
site-zone-magadan = Магадан
site-zone-kamchatka = Камчатка
site-card =
    🏢 <b>{ $name }</b>
    📫 { $address }
    📍 { $coords }, радиус { $radius }
    🕘 { $hours }
    🌍 { $zone }
    💰 { $rate } в час
site-button-location = 📍 Отправить геопозицию
site-button-no-address = Без адреса
site-button-24-7 = Круглосуточно

## Creating a site
new-site-step = ➕ <b>Новый объект</b> · шаг { $step } из { $of }
new-site-summary =
    Проверьте новый объект:

    { $card }

    Создать?
new-site-press-create = Нажмите «Создать объект» или «Отмена».
site-button-create = ✅ Создать объект
new-site-done = ✅ Объект «{ $name }» создан.
new-site-created = Готово! Пригласите сотрудников ссылкой или QR-кодом объекта (кнопка «🔗 Ссылка и QR-код» ниже).

## My sites
owner-sites-title = 🏢 Ваши объекты ({ $n }). Выберите объект:
owner-sites-none = У вас пока нет объектов.
owner-sites-none-owner = У вас пока нет объектов. Создайте первый кнопкой «➕ Новый объект».
site-status-active = 🟢 Работает
site-status-inactive = ⏸ Отключён: сотрудники не могут открывать смены и присоединяться
site-notify-on = 🔔 Уведомления об открытии и закрытии смен включены
site-notify-off = 🔕 Уведомления об открытии и закрытии смен выключены
site-button-edit = ✏️ Изменить
site-button-join-link = 🔗 Ссылка и QR-код
site-button-employees = 👥 Сотрудники
site-button-notify-on = 🔔 Уведомления: вкл
site-button-notify-off = 🔕 Уведомления: выкл
site-button-deactivate = ⏸ Отключить объект
site-button-activate = ▶️ Включить объект
site-button-all-sites = ← Все объекты
site-activated = Объект включён.
site-deactivated = Объект отключён.
site-notify-turned-on = Уведомления включены.
site-notify-turned-off = Уведомления выключены.
site-edit-pick = ✏️ Что изменить у объекта «{ $name }»?
site-edit-header = ✏️ «{ $name }» · { $field }
site-edit-saved = ✅ Сохранено. { $field }: { $value }
site-edit-rate-new-shifts = Новая ставка действует для смен, открытых с этого момента: идущие и прошлые смены сохраняют свою ставку и валюту, и отчёты считают их в ней.
site-join-link =
    🔗 Приглашение на объект «{ $site }»:
    { $link }

    Сотрудник открывает ссылку (или сканирует QR-код) и нажимает «Запустить», а вы одобряете запрос здесь.
site-join-link-inactive = ⚠️ Объект отключён: ссылка заработает, когда вы его включите.
site-join-qr-caption = QR-код для сотрудников объекта «{ $site }»
site-employees-title = 👥 Сотрудники объекта «{ $site }» ({ $n }):
site-employees-none = На объекте «{ $site }» пока никто не работает. Отправьте сотрудникам ссылку-приглашение.
site-employees-hint = Нажмите на имя, чтобы закрыть сотруднику доступ.
site-button-revoke = ❌ { $name }
site-revoke-confirm = Закрыть сотруднику { $employee } доступ к объекту «{ $site }»? Он не сможет открывать там смены.
site-button-revoke-yes = Да, закрыть доступ
site-button-no = Нет
site-revoke-done = { $employee } больше не работает на объекте «{ $site }».
site-revoke-gone = У этого сотрудника уже нет доступа к объекту.
site-revoke-employee-told = Владелец закрыл вам доступ к объекту «{ $site }».

## On shift now
now-title = 👀 <b>Сейчас на сменах</b>: { $working }, опаздывают: { $late }
now-no-sites = У вас пока нет объектов.
now-site = 🏢 <b>{ $site }</b>
now-on-shift = 🟢 { $employee } — с { $since } ({ $elapsed })
now-late = ⏰ { $employee } опаздывает: смена { $start }–{ $end }, прошло { $late }
now-nobody = — никого нет на смене
now-more-sites = …и ещё объектов: { $n }.
now-button-refresh = 🔄 Обновить

## Reports
report-pick-scope = 📊 Отчёт по чему?
report-button-all = Все объекты
report-button-by-employee = 👤 По сотруднику
report-pick-employee = 👤 Выберите сотрудника:
report-no-employees = На ваших объектах пока никто не работает.
report-employee-gone = Этого сотрудника больше нет на ваших объектах.
report-pick-period = 📊 { $scope }: за какой период?
report-scope-all = Все объекты
report-scope-site = Объект «{ $site }»
report-scope-employee = Сотрудник { $employee }
report-button-today = Сегодня
report-button-week = Неделя
report-button-month = Месяц
report-button-period = 📅 Другой период
report-ask-range = Введите период, например «01.11.2026-15.11.2026», или одну дату.
report-range-invalid = Не понял даты «{ $text }».
report-too-long = Отчёт можно построить не больше чем за { $days } дней.
report-header =
    📊 <b>{ $scope }</b>
    📅 { $period }
report-empty = Завершённых смен за этот период нет.
report-total = Итого: { $shifts }, { $hours }, { $pay }
report-by-site = <b>По объектам:</b>
report-by-employee = <b>По сотрудникам:</b>
report-line = • { $name }: { $shifts }, { $hours }, { $pay }
report-more = …и ещё { $n }.
report-shifts = { $n ->
    [one] { $n } смена
    [few] { $n } смены
   *[other] { $n } смен
}
