# Common texts: units, menus, help, errors. Russian.

# The one form of a duration: hours and two-digit minutes, or minutes alone under an hour.
duration-hm = { $h } ч { $m } мин
duration-m = { $m } мин

menu-open-shift = 🟢 Открыть смену
menu-close-shift = 🔴 Закрыть смену
menu-status = 📍 Статус
menu-plan = 🗓 Запланировать
menu-my-plans = 📋 Мои планы
menu-earnings = 💰 Заработок
menu-help = ❓ Помощь
menu-my-sites = 🏢 Мои объекты
menu-now = 👀 Сейчас на сменах
menu-reports = 📊 Отчёты
menu-new-site = ➕ Новый объект

menu-title = Главное меню. Выберите действие.
welcome = Здравствуйте, { $name }! Я StaffProBot — помогаю вести смены на объектах.
welcome-employee = Чтобы работать на объекте, откройте ссылку-приглашение от владельца или отсканируйте его QR-код.
welcome-employee-sites = { $n ->
    [one] Вы работаете на объекте:
   *[other] Вы работаете на объектах:
}
    { $sites }
    Открыть смену, запланировать и посмотреть заработок — в меню ниже.
welcome-site = • «{ $site }»
welcome-site-inactive = • «{ $site }» (отключён)
welcome-owner = Вы владелец: создавайте объекты, приглашайте сотрудников и смотрите отчёты.
help =
    Что я умею:
    • Открыть смену — отправьте геопозицию, находясь на объекте.
    • Закрыть смену — снова геопозиция; я посчитаю время и оплату.
    • Статус — текущая смена и ближайший план.
    • Запланировать и Мои планы — смены на будущее.
    • Заработок — за сегодня, неделю, месяц или период.
    Команды: /menu — меню, /cancel — отменить действие, /language — язык.
help-privacy =
    🔒 Геопозиция нужна только чтобы открыть и закрыть смену на объекте и затем проверить, что она не подделана (сравнением с зоной объекта и вашими прошлыми сменами; сомнительную смену проверит владелец). Точная точка хранится { $days ->
        [one] { $days } день
        [few] { $days } дня
       *[many] { $days } дней
    } после смены, затем остаются только примерное место (около 1 км) и расстояние до объекта.
help-owner =
    Для владельца:
    • Мои объекты — создание и настройка объектов, ссылка и QR-код для сотрудников.
    • Сейчас на сменах — кто работает и кто опаздывает.
    • Отчёты — по объекту или сотруднику за период.
    • /broadcast — написать сотрудникам объекта или всех объектов.
    • /token — ключ для HTTP API.
unknown-input = Не понял сообщение. Выберите действие в меню ниже или отправьте /help.
cancelled-open-shift = Открытие смены отменено.
cancelled-close-shift = Закрытие смены отменено.
cancelled-plan = Планирование смены отменено.
cancelled-earnings = Выбор периода заработка отменён.
cancelled-new-site = Создание объекта отменено.
cancelled-edit-site = Изменение объекта отменено.
cancelled-report = Выбор периода отчёта отменён.
cancelled-forgot = Сообщение о незакрытой смене отменено.
cancelled-close-for = Закрытие смены сотрудника отменено.
cancelled-review = Изменение времени окончания смены отменено.
nothing-to-cancel = Отменять нечего.
error-generic = Что-то пошло не так. Попробуйте ещё раз чуть позже.
button-expired = Эта кнопка устарела. Откройте меню заново.
no-access-site = У вас больше нет доступа к этому объекту.
language-choose = Выберите язык:
language-set = Язык: русский.
button-cancel = Отмена
button-back = ← Назад
button-retry = Повторить
cmd-start = Начать работу
cmd-menu = Главное меню
cmd-help = Помощь
cmd-cancel = Отменить действие
cmd-language = Сменить язык
cmd-token = Ключ HTTP API

notify-shift-opened = 🟢 { $employee } открыл(а) смену на «{ $site }» в { $started }.
notify-shift-closed = 🔴 { $employee } закрыл(а) смену на «{ $site }» в { $ended }: { $worked }, { $pay }.
notify-auto-closed-owner = ⚠️ Смена сотрудника { $employee } на «{ $site }» закрыта автоматически в { $ended }: { $worked }, { $pay }. Проверьте её.
notify-auto-closed-employee = ⚠️ Ваша смена на «{ $site }» закрыта автоматически в { $ended }: { $worked }, { $pay }. Если вы работали дольше, скажите владельцу.
