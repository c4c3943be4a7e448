//! Webhooks against a real receiver on loopback: signed deliveries of the change log's events, a
//! receiver that is down, failing or hanging, 410 Gone, secret rotation, refused private
//! addresses, two servers sharing the work under a flaky receiver, and a server killed mid-flight.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex},
    time::Duration,
};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};

use crate::{helpers::TestApp, mutations::draft, tokens::token};

/// What the receiver does with one request.
#[derive(Clone, Copy, Debug)]
enum Answer {
    Status(u16),
    /// Waits this long, then answers 200.
    Hang(Duration),
}

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
    /// What it answered (0: it hung, and answered after the sender gave up).
    status: u16,
}

#[derive(Default)]
struct Script {
    /// Answers for the next requests, in order; then `otherwise`.
    next: VecDeque<Answer>,
    /// Fails this share of requests with 500 once `next` is spent.
    failure_rate: f64,
    /// Hangs every request, when set (once `next` is spent).
    hang: Option<Duration>,
    /// Requests answered by the failure rate so far: which fail is a fixed, spread-out sequence.
    counted: u64,
}

impl Script {
    /// Whether the next request falls in the failing share (a multiplicative hash of its number).
    fn fails(&mut self) -> bool {
        self.counted += 1;
        (self.counted.wrapping_mul(2_654_435_761) % 1000) as f64 / 1000.0 < self.failure_rate
    }
}

/// A webhook receiver on loopback that records every request.
#[derive(Clone)]
struct Receiver {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<Script>>,
    /// Requests that have arrived, answered or not (a hanging one is in flight).
    arrived: Arc<std::sync::atomic::AtomicUsize>,
    _server: Arc<Stopper>,
}

/// Stops a receiver's server when the test is done with it: its worker threads are its own, and
/// would outlive the test's runtime, holding requests that hang.
struct Stopper(actix_web::dev::ServerHandle);

impl Drop for Stopper {
    fn drop(&mut self) {
        let handle = self.0.clone();
        tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(handle.stop(false)));
    }
}

impl Receiver {
    async fn start() -> Self {
        Self::on(std::net::TcpListener::bind("127.0.0.1:0").unwrap()).await
    }

    async fn on(listener: std::net::TcpListener) -> Self {
        let port = listener.local_addr().unwrap().port();
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let script: Arc<Mutex<Script>> = Arc::default();
        let arrived: Arc<std::sync::atomic::AtomicUsize> = Arc::default();
        let state = (received.clone(), script.clone(), arrived.clone());
        let server = HttpServer::new(move || {
            let state = state.clone();
            App::new().default_service(web::to(move |request: HttpRequest, body: web::Bytes| {
                let (received, script, arrived) = state.clone();
                async move {
                    arrived.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let answer = {
                        let mut script = script.lock().unwrap();
                        match script.next.pop_front() {
                            Some(answer) => answer,
                            None if script.hang.is_some() => Answer::Hang(script.hang.unwrap()),
                            None if script.fails() => Answer::Status(500),
                            None => Answer::Status(200),
                        }
                    };
                    let header = |name: &str| {
                        request.headers().get(name).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default()
                    };
                    // A hung request is recorded as status 0: its answer comes after the sender
                    // gave up, so it accepted nothing.
                    let (status, recorded) = match answer {
                        Answer::Status(status) => (status, status),
                        Answer::Hang(wait) => {
                            tokio::time::sleep(wait).await;
                            (200, 0)
                        }
                    };
                    received.lock().unwrap().push(Received {
                        id: header("webhook-id"),
                        timestamp: header("webhook-timestamp"),
                        signature: header("webhook-signature"),
                        body: String::from_utf8(body.to_vec()).unwrap(),
                        status: recorded,
                    });
                    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).finish()
                }
            }))
        })
        .workers(2)
        .listen(listener)
        .unwrap()
        .run();
        let stopper = Arc::new(Stopper(server.handle()));
        tokio::spawn(server);
        Self { url: format!("http://127.0.0.1:{port}/hooks"), received, script, arrived, _server: stopper }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The requests it accepted (answered 2xx), in the order it got them.
    fn accepted(&self) -> Vec<Received> {
        self.received().into_iter().filter(|r| (200..300).contains(&r.status)).collect()
    }

    /// Waits until `done` holds of what it received, for up to `secs`.
    async fn until(&self, secs: u64, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let received = self.received();
            if done(&received) {
                return received;
            }
            assert!(tokio::time::Instant::now() < deadline, "timed out; received {received:#?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Whether `signature` (the header) holds a valid signature by `secret`, as a receiver checks it.
fn verifies(secret: &str, received: &Received) -> bool {
    let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", received.id, received.timestamp, received.body).as_bytes());
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    received.signature.split(' ').any(|candidate| candidate == expected)
}

/// Settings for webhook tests: loopback receivers allowed, short waits.
fn quick(settings: &mut api::Settings) {
    settings.demo = true;
    settings.auth = crate::tokens::auth_settings();
    settings.webhooks.allow_private_networks = true;
    settings.webhooks.retry_schedule = vec![Duration::from_millis(150); 40];
    settings.webhooks.timeout = Duration::from_millis(700);
    settings.changes.tick = Duration::from_millis(100);
}

async fn spawn_webhooks(backend: crate::helpers::Backend) -> Option<TestApp> {
    TestApp::spawn_with(backend, quick).await
}

const CREATE: &str =
    "mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { secret webhook { id enabled events } } }";

/// Subscribes `url` to `events`; the webhook's id and secret.
async fn subscribe(app: &TestApp, url: &str, events: Value) -> (String, String) {
    let data = app.data_as(&token("admin"), CREATE, json!({ "input": { "url": url, "events": events } })).await;
    let created = &data["createWebhook"];
    (created["webhook"]["id"].as_str().unwrap().to_owned(), created["secret"].as_str().unwrap().to_owned())
}

async fn step(app: &TestApp, mutation: &str, id: &str) {
    let query = format!("mutation($id: ID!) {{ {mutation}(id: $id) {{ id }} }}");
    app.data_as(&token("admin"), &query, json!({ "id": id })).await;
}

fn body(received: &Received) -> Value {
    serde_json::from_str(&received.body).unwrap()
}

async fn deliveries_are_signed_thin_and_name_the_change_log_cursor(app: TestApp) {
    let receiver = Receiver::start().await;
    let (webhook, secret) = subscribe(&app, &receiver.url, json!(["release.*"])).await;
    assert!(secret.starts_with("whsec_"));
    let id = draft(&app, "hooked").await;
    step(&app, "publishRelease", &id).await;
    let received = receiver.until(10, |r| !r.is_empty()).await;
    assert_eq!(received.len(), 1, "the draft made no event: {received:#?}");
    let delivery = &received[0];
    assert!(verifies(&secret, delivery), "{delivery:#?}");
    assert!(!verifies("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", delivery), "a wrong secret does not verify");
    let now = chrono::Utc::now().timestamp();
    assert!((now - delivery.timestamp.parse::<i64>().unwrap()).abs() < 30);
    let payload = body(delivery);
    assert_eq!(payload["type"], "release.published");
    assert_eq!(
        (payload["data"]["type"].as_str(), payload["data"]["key"].as_str()),
        (Some("release"), Some("en/hooked"))
    );
    // The cursor is the change log's: a receiver fetches the record, or resyncs, from it.
    let text =
        app.client.get(format!("{}/api/changes?limit=1000", app.address)).send().await.unwrap().text().await.unwrap();
    let entry: Value = text
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .find(|e| e["key"] == "en/hooked")
        .unwrap();
    assert_eq!(payload["data"]["cursor"], entry["cursor"]);
    assert_eq!(payload["data"]["id"], entry["id"]);

    // Another event for the same record; then a rotation: both secrets sign for a while.
    let update = "mutation($id: ID!, $input: UpdateReleaseInput!) { updateRelease(id: $id, input: $input) { id } }";
    app.data_as(&token("editor"), update, json!({ "id": id, "input": { "title": "Hooked again" } })).await;
    receiver.until(10, |r| r.len() == 2).await;
    let rotate = "mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret webhook { previousSecretUntil } } }";
    let rotated = app.data_as(&token("admin"), rotate, json!({ "id": webhook })).await["rotateWebhookSecret"].clone();
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert!(rotated["webhook"]["previousSecretUntil"].is_string());
    step(&app, "archiveRelease", &id).await;
    let received = receiver.until(10, |r| r.len() == 3).await;
    let last = &received[2];
    assert_eq!(body(last)["type"], "release.archived");
    assert!(verifies(&secret, last) && verifies(&new_secret, last), "both signatures: {}", last.signature);
    assert_eq!(last.signature.split(' ').count(), 2);

    // The delivery log.
    let log = "query($id: ID!) { webhook(id: $id) { deliveries { event status attemptCount messageId
        attempts { statusCode durationMs error } } } }";
    let data = app.data_as(&token("admin"), log, json!({ "id": webhook })).await;
    let deliveries = data["webhook"]["deliveries"].as_array().unwrap();
    let events: Vec<&str> = deliveries.iter().map(|d| d["event"].as_str().unwrap()).collect();
    assert_eq!(events, ["release.archived", "release.updated", "release.published"], "newest first");
    assert!(deliveries.iter().all(|d| d["status"] == "delivered" && d["attempts"][0]["statusCode"] == 200));
    assert_eq!(deliveries[2]["messageId"], received[0].id.as_str());

    // Redelivery, of one delivery and of a range of the change log: the same webhook-ids, so a
    // receiver that has them already drops them.
    let ids = "query($id: ID!) { webhook(id: $id) { deliveries { id } } }";
    let first =
        app.data_as(&token("admin"), ids, json!({ "id": webhook })).await["webhook"]["deliveries"][2]["id"].clone();
    let again = "mutation($id: ID!) { redeliverWebhookDelivery(id: $id) { status messageId } }";
    let redelivered = app.data_as(&token("admin"), again, json!({ "id": first })).await;
    assert_eq!(redelivered["redeliverWebhookDelivery"]["status"], "pending");
    let received = receiver.until(10, |r| r.len() == 4).await;
    assert_eq!(received[3].id, received[0].id);
    assert_eq!(received[3].body, received[0].body, "the same bytes");
    let before: i64 = payload["data"]["cursor"].as_str().unwrap().parse::<i64>().unwrap() - 1;
    let range = "mutation($w: ID!, $after: String!) { redeliverChanges(webhook: $w, after: $after) }";
    let queued = app.data_as(&token("admin"), range, json!({ "w": webhook, "after": before.to_string() })).await;
    assert_eq!(queued["redeliverChanges"], 3);
    let received = receiver.until(10, |r| r.len() == 7).await;
    let originals: Vec<&str> = received[..3].iter().map(|r| r.id.as_str()).collect();
    let copies: Vec<&str> = received[4..].iter().map(|r| r.id.as_str()).collect();
    assert_eq!(copies, originals, "in order, under their ids");
    // Only admins manage webhooks.
    let code = app.error_code_as(Some(&token("editor")), "{ webhooks { id } }", json!({})).await;
    assert_eq!(code, "FORBIDDEN");
}

async fn a_receiver_that_is_down_failing_or_hanging_gets_every_event_in_the_end(app: TestApp) {
    // Down: nothing listens on the port yet.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let url = format!("http://127.0.0.1:{port}/hooks");
    let (webhook, secret) = subscribe(&app, &url, json!(["*"])).await;
    let id = draft(&app, "hooked-down").await;
    step(&app, "publishRelease", &id).await;
    tokio::time::sleep(Duration::from_millis(700)).await;
    // Back, but failing twice, then hanging past the timeout once, then answering.
    let receiver = Receiver::on(std::net::TcpListener::bind(("127.0.0.1", port)).unwrap()).await;
    {
        let mut script = receiver.script.lock().unwrap();
        script.next = VecDeque::from([Answer::Status(500), Answer::Status(503), Answer::Hang(Duration::from_secs(2))]);
    }
    // The hung request is recorded when it ends, after the retry that succeeded.
    let received = receiver.until(20, |r| r.len() >= 4 && r.iter().any(|r| r.status == 200)).await;
    let published: Vec<&Received> = received.iter().filter(|r| body(r)["type"] == "release.published").collect();
    assert!(published.len() >= 4, "{published:#?}");
    assert!(published.iter().all(|r| r.id == published[0].id), "one webhook-id for every attempt");
    assert!(published.iter().all(|r| verifies(&secret, r)));
    let log = "query($id: ID!) { webhook(id: $id) { deliveries(status: \"delivered\") { attemptCount attempts { statusCode error } } } }";
    let mut data = Value::Null;
    for _ in 0..50 {
        data = app.data_as(&token("admin"), log, json!({ "id": webhook })).await;
        if data["webhook"]["deliveries"][0].is_object() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let attempts = data["webhook"]["deliveries"][0]["attempts"].as_array().unwrap().clone();
    let statuses: Vec<Value> = attempts.iter().map(|a| a["statusCode"].clone()).collect();
    let refused = statuses.iter().take_while(|s| s.is_null()).count();
    assert!(refused >= 1, "connection refused while down: {attempts:#?}");
    assert_eq!(statuses[refused..], [json!(500), json!(503), Value::Null, json!(200)], "{attempts:#?}");
    assert!(attempts[refused + 2]["error"].as_str().unwrap().contains("no answer within"), "{attempts:#?}");
    assert!(attempts[0]["error"].is_string());
}

async fn a_receiver_answering_410_gone_disables_its_webhook(app: TestApp) {
    let receiver = Receiver::start().await;
    receiver.script.lock().unwrap().next = VecDeque::from([Answer::Status(410)]);
    let (webhook, _) = subscribe(&app, &receiver.url, json!(["release.published"])).await;
    let id = draft(&app, "hooked-gone").await;
    step(&app, "publishRelease", &id).await;
    receiver.until(10, |r| r.len() == 1).await;
    let query = "query($id: ID!) { webhook(id: $id) { enabled disabledReason deliveries { status } } }";
    let mut found = Value::Null;
    for _ in 0..50 {
        found = app.data_as(&token("admin"), query, json!({ "id": webhook })).await["webhook"].clone();
        if found["enabled"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(found["enabled"], false, "{found:#?}");
    assert!(found["disabledReason"].as_str().unwrap().contains("410"));
    assert_eq!(found["deliveries"][0]["status"], "failed");
    // Nothing more is queued or sent while it is off.
    let other = draft(&app, "hooked-gone-2").await;
    step(&app, "publishRelease", &other).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(receiver.received().len(), 1);
}

async fn a_scheduled_release_is_announced_at_its_instant(app: TestApp) {
    let receiver = Receiver::start().await;
    subscribe(&app, &receiver.url, json!(["release.published"])).await;
    let id = draft(&app, "hooked-scheduled").await;
    let at = chrono::Utc::now() + chrono::Duration::milliseconds(1200);
    let schedule = "mutation($id: ID!, $at: DateTime!) { scheduleRelease(id: $id, at: $at) { id } }";
    app.data_as(&token("editor"), schedule, json!({ "id": id, "at": at.to_rfc3339() })).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(receiver.received().is_empty(), "not before its instant");
    let received = receiver.until(10, |r| !r.is_empty()).await;
    assert!(chrono::Utc::now() >= at);
    assert_eq!(body(&received[0])["data"]["key"], "en/hooked-scheduled");
}

async fn private_addresses_bad_events_and_other_roles_are_refused(app: TestApp) {
    for (url, field) in [
        ("http://127.0.0.1:9/hooks", "input.url"),
        ("http://localhost:9/hooks", "input.url"),
        ("http://10.1.2.3/hooks", "input.url"),
        ("http://169.254.169.254/latest/meta-data", "input.url"),
        ("http://[::1]:9/", "input.url"),
        ("ftp://example.org/hooks", "input.url"),
        ("not a url", "input.url"),
    ] {
        let body =
            app.graphql_as(Some(&token("admin")), CREATE, json!({ "input": { "url": url, "events": ["*"] } })).await;
        let error = &body["errors"][0]["extensions"];
        assert_eq!(
            (error["code"].as_str(), error["field"].as_str()),
            (Some("BAD_USER_INPUT"), Some(field)),
            "{url}: {body}"
        );
    }
    let body = app
        .graphql_as(
            Some(&token("admin")),
            CREATE,
            json!({ "input": { "url": "https://example.org/h", "events": ["release.created"] } }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["field"], "input.events", "{body}");
    let code = app
        .error_code_as(
            Some(&token("editor")),
            CREATE,
            json!({ "input": { "url": "https://example.org/h", "events": ["*"] } }),
        )
        .await;
    assert_eq!(code, "FORBIDDEN");
}

/// Two servers on one database, a receiver failing 30% of attempts, 1,000 writes spread over
/// both: every event arrives, each `webhook-id` is accepted once after deduplication, a record's
/// events arrive in change-log order, and the log holds exactly the 1,000 changes.
async fn two_servers_deliver_a_thousand_events_through_a_flaky_receiver(app: TestApp) {
    if app.backend() == crate::helpers::Backend::Sqlite {
        return eprintln!("multi-server: PostgreSQL and MariaDB only");
    }
    let other = app.spawn_beside(quick).await;
    let receiver = Receiver::start().await;
    receiver.script.lock().unwrap().failure_rate = 0.3;
    let mut ids = Vec::new();
    for n in 0..20 {
        let id = draft(&app, &format!("flaky-{n}")).await;
        step(&app, "publishRelease", &id).await;
        ids.push(id);
    }
    let (_, cursor) = {
        let text = app
            .client
            .get(format!("{}/api/changes?limit=1000", app.address))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let end: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
        ((), end["next"].as_str().unwrap().to_owned())
    };
    let (webhook, _) = subscribe(&app, &receiver.url, json!(["release.updated"])).await;
    let update = "mutation($id: ID!, $input: UpdateReleaseInput!) { updateRelease(id: $id, input: $input) { id } }";
    let servers = [&app, &other];
    let writes = (0..1000).map(|n| {
        let (server, id) = (servers[n % 2], ids[n % ids.len()].clone());
        async move {
            let input = json!({ "summary": format!("revision {n}") });
            server.data_as(&token("editor"), update, json!({ "id": id, "input": input })).await;
        }
    });
    futures_util::stream::iter(writes).buffer_unordered(8).collect::<Vec<()>>().await;
    let received = receiver
        .until(120, |r| {
            let accepted: std::collections::HashSet<&str> =
                r.iter().filter(|r| r.status == 200).map(|r| r.id.as_str()).collect();
            accepted.len() >= 1000
        })
        .await;
    let mut accepted: HashMap<String, Value> = HashMap::new();
    let mut order: HashMap<String, Vec<i64>> = HashMap::new();
    for delivery in received.iter().filter(|r| r.status == 200) {
        let payload = body(delivery);
        if accepted.insert(delivery.id.clone(), payload.clone()).is_none() {
            let record = payload["data"]["id"].as_str().unwrap().to_owned();
            order.entry(record).or_default().push(payload["data"]["cursor"].as_str().unwrap().parse().unwrap());
        }
    }
    assert_eq!(accepted.len(), 1000, "every event, once after deduplication");
    assert!(received.iter().filter(|r| r.status == 500).count() > 100, "the receiver did fail");
    for (record, cursors) in &order {
        assert!(cursors.windows(2).all(|w| w[0] < w[1]), "{record}: out of order {cursors:?}");
    }
    // The change log lists exactly the 1,000 changes.
    let mut after = cursor;
    let mut logged = 0;
    loop {
        let url = format!("{}/api/changes?after={after}&limit=1000", other.address);
        let text = app.client.get(url).send().await.unwrap().text().await.unwrap();
        let mut lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let end = lines.pop().unwrap();
        logged += lines.len();
        after = end["next"].as_str().unwrap().to_owned();
        if end["more"] == false {
            break;
        }
    }
    assert_eq!(logged, 1000);
    // Every delivery is marked delivered, each by exactly one server: no attempt after success.
    let log = "query($id: ID!) { webhook(id: $id) { deliveries(first: 500, status: \"pending\") { id } } }";
    let pending = app.data_as(&token("admin"), log, json!({ "id": webhook })).await;
    assert_eq!(pending["webhook"]["deliveries"], json!([]));
    let per_id = received.iter().filter(|r| r.status == 200).fold(HashMap::<&str, usize>::new(), |mut m, r| {
        *m.entry(r.id.as_str()).or_default() += 1;
        m
    });
    assert!(per_id.values().all(|n| *n == 1), "no delivery was accepted twice");
}

/// A server that delivers is killed with SIGKILL while deliveries hang in flight, then started
/// again: every event still arrives (the leases run out and the deliveries are sent again, with
/// their ids, so the receiver can drop the copies).
async fn a_server_killed_mid_delivery_loses_nothing(app: TestApp) {
    let receiver = Receiver::start().await;
    receiver.script.lock().unwrap().hang = Some(Duration::from_secs(30));
    // This server writes but does not deliver: the child process does.
    let writer = app
        .spawn_beside(|settings| {
            quick(settings);
            settings.demo = false;
            settings.webhooks.deliver = false;
        })
        .await;
    subscribe(&writer, &receiver.url, json!(["release.published"])).await;
    let deliverer = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_newsroom"))
            .arg("serve")
            .env("DATABASE_URL", app.database_url())
            .env("NEWSROOM_BIND", "127.0.0.1:0")
            .env("NEWSROOM_WEBHOOK_ALLOW_PRIVATE_NETWORKS", "true")
            .env("NEWSROOM_WEBHOOK_TIMEOUT", "1s")
            .env("NEWSROOM_WEBHOOK_RETRY_SCHEDULE", "200ms,200ms,200ms,200ms,200ms,200ms,200ms,200ms")
            .env("NEWSROOM_CHANGES_TICK", "100ms")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut child = deliverer();
    let mut published = Vec::new();
    for n in 0..5 {
        let id = draft(&writer, &format!("killed-{n}")).await;
        step(&writer, "publishRelease", &id).await;
        published.push(format!("en/killed-{n}"));
    }
    // Deliveries are in flight, the receiver holding them: kill the server.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while receiver.arrived.load(std::sync::atomic::Ordering::SeqCst) == 0 {
        assert!(tokio::time::Instant::now() < deadline, "no delivery reached the receiver");
        assert!(child.try_wait().unwrap().is_none(), "the deliverer exited");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(receiver.accepted().is_empty(), "nothing was answered before the kill");
    // `Child::kill` is SIGKILL on Unix: the process gets no chance to finish anything.
    child.kill().unwrap();
    child.wait().unwrap();
    receiver.script.lock().unwrap().hang = None;
    let mut restarted = deliverer();
    let received = receiver
        .until(40, |r| {
            let keys: std::collections::HashSet<String> = r
                .iter()
                .filter(|r| r.status == 200)
                .map(|r| body(r)["data"]["key"].as_str().unwrap().to_owned())
                .collect();
            published.iter().all(|key| keys.contains(key))
        })
        .await;
    let _ = restarted.kill();
    let _ = restarted.wait();
    let ids: std::collections::HashSet<&str> =
        received.iter().filter(|r| r.status == 200).map(|r| r.id.as_str()).collect();
    assert_eq!(ids.len(), 5, "five messages, whatever the copies");
    drop(writer);
}

use futures_util::StreamExt;

db_tests!(spawn_webhooks =>
    deliveries_are_signed_thin_and_name_the_change_log_cursor,
    a_receiver_that_is_down_failing_or_hanging_gets_every_event_in_the_end,
    a_receiver_answering_410_gone_disables_its_webhook,
    a_scheduled_release_is_announced_at_its_instant,
    two_servers_deliver_a_thousand_events_through_a_flaky_receiver,
    a_server_killed_mid_delivery_loses_nothing,
);

/// `newsroom webhook add|list|remove`, on the binary, against the test's database.
async fn the_command_line_manages_webhooks(app: TestApp) {
    let newsroom = |args: &[&str], allow: bool| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_newsroom"));
        command.args(args).args(["--database-url", app.database_url()]);
        command.env("NEWSROOM_WEBHOOK_ALLOW_PRIVATE_NETWORKS", allow.to_string());
        command.output().unwrap()
    };
    let refused =
        newsroom(&["webhook", "add", "--url", "http://127.0.0.1:9/hooks", "--events", "release.published"], false);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("private or loopback"), "{refused:?}");
    let added = newsroom(
        &["webhook", "add", "--url", "http://127.0.0.1:9/hooks", "--events", "release.published,topic.*"],
        true,
    );
    assert!(added.status.success(), "{added:?}");
    let stdout = String::from_utf8(added.stdout).unwrap();
    let (id, secret) = stdout.trim().split_once('\t').unwrap();
    assert!(secret.starts_with("whsec_"));
    let listed = String::from_utf8(newsroom(&["webhook", "list"], false).stdout).unwrap();
    assert!(
        listed.contains(id) && listed.contains("enabled") && listed.contains("release.published,topic.*"),
        "{listed}"
    );
    let data = app.data_as(&token("admin"), "{ webhooks { id url events } }", json!({})).await;
    assert_eq!(data["webhooks"][0]["id"], id);
    assert!(newsroom(&["webhook", "remove", id], false).status.success());
    let data = app.data_as(&token("admin"), "{ webhooks { id } }", json!({})).await;
    assert_eq!(data["webhooks"], json!([]));
}

db_tests!(TestApp::spawn_editorial =>
    the_command_line_manages_webhooks,
    private_addresses_bad_events_and_other_roles_are_refused,
);
