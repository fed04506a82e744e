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
