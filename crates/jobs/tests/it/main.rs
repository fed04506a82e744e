//! The jobs crate's integration tests: the conformance suite on real RabbitMQ.

mod rabbit;
mod reconnect;
