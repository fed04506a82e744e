//! The compose stack's files (deploy/) checked against the binary, since Docker cannot run here:
//! deploy/docker-compose.yml is valid by the Compose Specification's JSON schema (vendored in
//! deploy/schema/), every environment variable of a `staffprobot` service is one the binary
//! reads, every service's command is one it has, and Prometheus scrapes each process where the
//! compose file makes it listen.

use serde_json::Value;
use std::collections::BTreeSet;

const COMPOSE: &str = include_str!("../../../../deploy/docker-compose.yml");
const COMPOSE_SCHEMA: &str = include_str!("../../../../deploy/schema/compose-spec.json");
const ENV_EXAMPLE: &str = include_str!("../../../../deploy/.env.example");
const PROMETHEUS: &str = include_str!("../../../../deploy/prometheus/prometheus.yml");

/// The compose file as Docker Compose reads it: YAML merge keys (`<<: *anchor`) applied.
fn compose() -> Value {
    let mut yaml: serde_norway::Value =
        serde_norway::from_str(COMPOSE).expect("deploy/docker-compose.yml is YAML");
    yaml.apply_merge().expect("its merge keys apply");
    serde_json::to_value(yaml).expect("as JSON")
}

/// The services that run our image, with their names.
fn staffprobot_services(compose: &Value) -> Vec<(String, Value)> {
    let services = compose["services"].as_object().expect("services");
    let ours: Vec<_> = services
        .iter()
        .filter(|(_, s)| s["build"]["dockerfile"] == "deploy/Dockerfile")
        .map(|(name, s)| (name.clone(), s.clone()))
        .collect();
    assert!(ours.len() >= 5, "migrate, api, bot, worker, scheduler");
    ours
}

/// An `environment:` section's names, in either of its forms (a map, or `NAME=value` lines).
fn environment_names(service: &Value) -> BTreeSet<String> {
    match &service["environment"] {
        Value::Object(map) => map.keys().cloned().collect(),
        Value::Array(lines) => lines
            .iter()
            .map(|l| {
                let l = l.as_str().expect("NAME=value");
                l.split_once('=').map_or(l, |(name, _)| name).to_owned()
            })
            .collect(),
        Value::Null => BTreeSet::new(),
        other => panic!("environment: {other}"),
    }
}

/// Every variable the configuration reads, also those it reads only once another is set (the
/// cache's Redis settings with `REDIS_URL`, the bot's with `TELEGRAM_BOT_TOKEN`): the compose
/// file sets them all.
fn variables_read_when_enabled() -> BTreeSet<String> {
    let mut names: BTreeSet<String> = super::tests::variables_read().into_iter().collect();
    let enablers = [
        ("TELEGRAM_BOT_TOKEN", "123:abc"),
        ("REDIS_URL", "redis://127.0.0.1:6379"),
        ("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2f"),
    ];
    let seen = std::cell::RefCell::new(Vec::new());
    let _ = super::Config::from_lookup(|name| {
        seen.borrow_mut().push(name.to_owned());
        enablers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| (*v).to_owned())
    });
    names.extend(seen.into_inner());
    names
}

#[test]
fn the_compose_file_is_valid_by_the_compose_specification() {
    let schema: Value = serde_json::from_str(COMPOSE_SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let compose = compose();
    let errors: Vec<String> = validator
        .iter_errors(&compose)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "deploy/docker-compose.yml breaks the Compose Specification:\n{}",
        errors.join("\n")
    );
    // The schema does catch mistakes: an unknown key, a bad depends_on condition.
    let mut broken = compose.clone();
    broken["services"]["api"]["restart_policy"] = "always".into();
    assert!(!validator.is_valid(&broken));
    let mut broken = compose;
    broken["services"]["api"]["depends_on"]["migrate"]["condition"] = "service_done".into();
    assert!(!validator.is_valid(&broken));
}

#[test]
fn staffprobot_services_get_the_variables_the_binary_reads_and_no_others() {
    let known = variables_read_when_enabled();
    let compose = compose();
    for (name, service) in staffprobot_services(&compose) {
        let names = environment_names(&service);
        // Every setting can be tuned from deploy/.env, but the webhook's (long polling here)
        // and METRICS_ENABLED: the stack's scrapes and health checks need the metrics on.
        let not_passed = [
            "TELEGRAM_WEBHOOK_URL",
            "TELEGRAM_WEBHOOK_SECRET",
            "PROMETHEUS_PORT",
            "METRICS_ENABLED",
        ];
        let missing: Vec<_> = known
            .iter()
            .filter(|k| !names.contains(*k) && !not_passed.contains(&k.as_str()))
            .collect();
        assert!(
            missing.is_empty(),
            "service {name} does not pass {missing:?}"
        );
        let unknown: Vec<_> = names.difference(&known).collect();
        assert!(
            unknown.is_empty(),
            "service {name} sets {unknown:?}, which the binary does not read (README's table lists what it does)"
        );
    }
}

#[test]
fn staffprobot_services_run_commands_the_binary_has() {
    use clap::Parser;
    let compose = compose();
    let mut commands = BTreeSet::new();
    for (name, service) in staffprobot_services(&compose) {
        let args: Vec<&str> = service["command"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: command as a list"))
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        crate::cli::Cli::try_parse_from(std::iter::once("staffprobot").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("service {name}: `staffprobot {}`: {e}", args.join(" ")));
        commands.insert(args.join(" "));
    }
    let expected = ["api", "bot", "migrate", "scheduler", "worker"];
    assert_eq!(commands, expected.map(String::from).into());
    // The others wait for the migration to have succeeded.
    for (name, service) in staffprobot_services(&compose) {
        if name != "migrate" {
            assert_eq!(
                service["depends_on"]["migrate"]["condition"], "service_completed_successfully",
                "{name}"
            );
        }
    }
}

/// Every `${NAME…}` the compose file interpolates is in .env.example, and every line of
/// .env.example is used.
#[test]
fn env_example_lists_exactly_what_the_compose_file_interpolates() {
    let mut used = BTreeSet::new();
    let mut rest = COMPOSE;
    while let Some(at) = rest.find("${") {
        rest = &rest[at + 2..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        used.insert(rest[..end].to_owned());
    }
    let listed: BTreeSet<String> = ENV_EXAMPLE
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split_once('=').expect("NAME=value").0.to_owned())
        .collect();
    assert_eq!(
        used, listed,
        "deploy/.env.example and the compose file's ${{…}} differ"
    );
}

/// Prometheus scrapes the four kinds of process on the ports the compose file gives them.
#[test]
fn prometheus_scrapes_every_process_where_it_listens() {
    let compose = compose();
    let config: serde_norway::Value = serde_norway::from_str(PROMETHEUS).unwrap();
    let config = serde_json::to_value(config).unwrap();
    let jobs = config["scrape_configs"].as_array().unwrap();
    for (service, port) in [
        ("api", "8000"),
        ("bot", "9100"),
        ("worker", "9100"),
        ("scheduler", "9100"),
    ] {
        let job = jobs
            .iter()
            .find(|j| j["job_name"] == format!("staffprobot-{service}"))
            .unwrap_or_else(|| panic!("a staffprobot-{service} scrape job"));
        let sd = &job["dns_sd_configs"][0];
        assert_eq!(sd["names"][0], service, "{service}");
        assert_eq!(sd["port"].to_string(), port, "{service}");
        let env = &compose["services"][service]["environment"];
        let listens = if service == "api" {
            env["HTTP_ADDR"]
                .as_str()
                .unwrap()
                .rsplit(':')
                .next()
                .unwrap()
        } else {
            env["PROMETHEUS_PORT"].as_str().unwrap()
        };
        assert_eq!(listens, port, "{service} listens where it is scraped");
    }
}
