# Forgotten shifts (ru): an owner or manager closes someone's running shift, an employee says
# they forgot to close theirs, and the owner reviews that.

## Owner or manager: closing a running shift from "On shift now"
now-button-close = 🔴 Закрыть: { $employee }
close-for-ask = Когда { $employee } ушёл(ушла) с объекта «{ $site }»? На смене с { $since }. Введите время ЧЧ:ММ по времени объекта ({ $zone }) или нажмите «Сейчас».
close-for-button-now = Сейчас
close-for-confirm = Закрыть смену { $employee } на объекте «{ $site }» в { $ended }? Отработано { $worked }, к оплате { $pay }.
close-for-button-confirm = ✅ Закрыть смену
close-for-done = ✅ Смена { $employee } на объекте «{ $site }» закрыта в { $ended }: { $worked }, { $pay }. Сотруднику сообщили.
close-for-already-closed = Эта смена уже закрыта.
stated-bad-time = Не понял время «{ $input }». Введите его как ЧЧ:ММ, например 18:30.
stated-before-start = Окончание не может быть раньше начала смены ({ $started }). Введите более позднее время.
stated-in-future = Окончание не может быть в будущем (сейчас { $now }).

## Employee: "I forgot to close the shift"
forgot-button = 🕓 Я забыл(а) закрыть смену
forgot-offer = Вы уже не на объекте? Если забыли закрыть там смену, укажите, когда ушли.
forgot-ask = Когда вы ушли с объекта «{ $site }»? Смена началась { $since }. Введите время ЧЧ:ММ по времени объекта ({ $zone }) или нажмите «Ухожу сейчас».
forgot-button-now = Ухожу сейчас
forgot-done = ✅ Ваша смена на объекте «{ $site }» закончилась в { $ended }: { $worked }, { $pay }. Владелец проверит её. Теперь можно открыть новую смену.
forgot-no-active = У вас нет открытой смены.

## Owner or manager: reviewing a reported end
review-ask = 🕓 { $employee } забыл(а) закрыть смену на объекте «{ $site }» (начало { $started }) и говорит, что ушёл(ушла) в { $ended }: { $worked }, { $pay }. Подтвердите или укажите верное время.
review-button-approve = ✅ Подтвердить
review-button-change = 🕓 Изменить время
review-change-ask = Когда { $employee } ушёл(ушла) с объекта «{ $site }»? Сотрудник указал { $ended }. Введите время ЧЧ:ММ по времени объекта ({ $zone }).
review-change-confirm = Поставить окончание смены { $employee } на объекте «{ $site }» на { $ended }? Отработано { $worked }, к оплате { $pay }.
review-button-confirm = ✅ Поставить это время
review-approved = ✅ Подтверждено: { $employee }, «{ $site }», до { $ended }, { $worked }, { $pay }.
review-changed = ✅ Изменено: { $employee }, «{ $site }», до { $ended }, { $worked }, { $pay }.
review-already-done = Эту смену уже проверили.
review-pending = ⚠️ Смен ждут вашей проверки: { $n }.
review-button-list = 🕓 На проверку ({ $n })
review-list-empty = Нет смен, ждущих проверки.
review-auto-closed = ⚠️ Смена { $employee } на объекте «{ $site }» (начало { $started }) закрыта автоматически в { $ended }: { $worked }, { $pay }. Подтвердите или укажите верное время.

## Told to the employee
notify-closed-for-employee = 🔴 { $by } закрыл(а) вашу смену на объекте «{ $site }» в { $ended }: { $worked }, { $pay }.
notify-review-approved = ✅ { $by } подтвердил(а) окончание вашей смены на объекте «{ $site }»: { $ended }, { $worked }, { $pay }.
notify-review-changed = 🕓 { $by } изменил(а) окончание вашей смены на объекте «{ $site }» с { $old } на { $ended }: { $worked }, { $pay }.
