# Рассылки: диалог /broadcast, сообщение сотрудникам, ход отправки.
cmd-broadcast = Написать сотрудникам
broadcast-heading = 📣 <b>{ $author }</b>:
broadcast-pick-site = Кому написать? Выберите объект или все сразу.
broadcast-all-sites = Все мои объекты
broadcast-ask-text = Напишите сообщение для { $whom } (до { $max } символов).
broadcast-whom-all = сотрудников всех ваших объектов
broadcast-whom-site = сотрудников объекта { $site }
broadcast-preview = Сообщение получат { $count ->
    [one] { $count } человек
    [few] { $count } человека
   *[other] { $count } человек
}:

{ $text }
broadcast-send = ✅ Отправить
broadcast-cancel = ✖️ Отмена
broadcast-no-sites = У вас пока нет объектов, которым можно написать.
broadcast-no-recipients = Некому писать: никто из сотрудников выбранных объектов не может получать сообщения.
broadcast-empty = Сообщение пустое. Напишите текст.
broadcast-too-long = В сообщении { $chars } символов, а помещается не больше { $max }. Сократите его.
broadcast-bad-text = В сообщении есть символы, которые нельзя отправить.
broadcast-progress = 📣 Отправка: { $sent } из { $total }…
broadcast-done = 📣 Готово: отправлено { $sent } из { $total }.
broadcast-done-missed = Не удалось доставить: { $unreachable } (заблокировали бота), ошибок: { $failed }.
cancelled-broadcast = Рассылка отменена.
