//! Pay statements: each employee's statement (or its correction) in their language, and the
//! site's payroll for its owner — every employee with minutes and pay, then the totals per
//! currency (amounts in different currencies are never added); sent again, marked corrected,
//! when a statement of the period changes.

use super::Once;
use crate::args;
use crate::ctx::Deps;
use crate::format::{date, duration, html, money_list};
use app::notices::NoticeError;
use app::statements::{PayrollNotice, StatementNotice};
use domain::statement::PayStatement;
use domain::{Language, Money};

fn statement_pay(s: &PayStatement) -> Vec<Money> {
    s.lines
        .iter()
        .map(|l| Money::new(l.pay_minor, l.currency))
        .collect()
}

fn shifts(deps: &Deps, lang: Language, n: i64) -> String {
    deps.texts
        .format(lang, "earn-shifts", Some(&args!["n" => n]))
}

pub(super) async fn statement(once: &Once<'_>, n: &StatementNotice) -> Result<(), NoticeError> {
    let deps = once.deps;
    let lang = n.employee.language;
    let s = &n.statement;
    let text_id = if s.is_correction() {
        "statement-correction"
    } else {
        "statement-text"
    };
    let text = deps.texts.format(
        lang,
        text_id,
        Some(&args![
            "site" => html(n.site.settings.name.as_str()),
            "from" => date(lang, s.period.from),
            "to" => date(lang, s.period.to),
            "version" => s.version,
            "shifts" => shifts(deps, lang, s.shifts()),
            "worked" => duration(&deps.texts, lang, s.worked_minutes()),
            "pay" => money_list(lang, &statement_pay(s)),
        ]),
    );
    once.send(&n.employee, &text, None).await
}

pub(super) async fn payroll(once: &Once<'_>, n: &PayrollNotice) -> Result<(), NoticeError> {
    let deps = once.deps;
    let lang = n.owner.language;
    let head = if n.correction {
        "payroll-head-corrected"
    } else {
        "payroll-head"
    };
    let mut text = deps.texts.format(
        lang,
        head,
        Some(&args![
            "site" => html(n.site.settings.name.as_str()),
            "from" => date(lang, n.period.from),
            "to" => date(lang, n.period.to),
        ]),
    );
    for (person, s) in &n.rows {
        text.push('\n');
        text.push_str(&deps.texts.format(
            lang,
            "payroll-row",
            Some(&args![
                "employee" => html(person.name.as_str()),
                "shifts" => shifts(deps, lang, s.shifts()),
                "worked" => duration(&deps.texts, lang, s.worked_minutes()),
                "pay" => money_list(lang, &statement_pay(s)),
            ]),
        ));
    }
    text.push('\n');
    text.push_str(&deps.texts.format(
        lang,
        "payroll-total",
        Some(&args![
            "worked" => duration(&deps.texts, lang, n.worked_minutes),
            "pay" => money_list(lang, &n.pay),
        ]),
    ));
    once.send(&n.owner, &text, None).await
}
