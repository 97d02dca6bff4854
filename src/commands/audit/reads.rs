//! The reads that follow the servers, started while the list of servers still streams in: as
//! soon as a server arrives, its namespace's Secret names are listed (metadata only) and the
//! access questions of that namespace asked; as soon as both a referenced name and its
//! namespace's names are known, the Secret is read (once); a `serviceAccountName` is followed
//! to the ServiceAccount's image pull Secrets, which are then read the same way. At most
//! [`CONCURRENCY`] requests in flight; each Secret, namespace list and question asked once.
use std::collections::{BTreeMap, BTreeSet, VecDeque};

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::sync::mpsc::UnboundedReceiver;

use super::CONCURRENCY;
use super::fetch;
use crate::client::{Connection, access};
use crate::core::findings::{ProjectContext, SecretInfo, SecretState, Secrets};
use crate::core::rbac::Question;
use crate::error::Result;
use crate::render::progress::Progress;

/// What a server needs read, sent by the list's parser as each server arrives.
#[derive(Debug, Clone)]
pub struct Seen {
    pub namespace: String,
    pub secrets: Vec<String>,
    pub service_account: Option<String>,
}

/// Everything read after the servers.
#[derive(Debug, Default)]
pub struct Reads {
    pub secrets: Secrets,
    /// Namespaces whose Secret names could be listed (the others were read by `get` alone).
    pub names_listed: BTreeSet<String>,
    /// Per namespace whose Secrets servers reference: may the user get, list Secrets?
    pub access: BTreeMap<String, (bool, bool)>,
    /// Per namespace, the Secret names its servers reference (ServiceAccounts' included).
    pub referenced: BTreeMap<String, BTreeSet<String>>,
    /// Per (namespace, ServiceAccount) that could be read: its image pull Secrets.
    pub service_accounts: BTreeMap<(String, String), Vec<String>>,
    pub notes: Vec<String>,
}

/// A request to make.
enum Task {
    Names(String),
    Get(String, String),
    Review(String, &'static str),
    Account(String, String),
}

/// A request's answer.
enum Done {
    Names(String, Result<Option<BTreeSet<String>>>),
    Get(String, String, Result<SecretState>),
    Review(String, &'static str, Result<bool>),
    Account(String, String, Result<Option<Vec<String>>>),
}

async fn run_task(conn: &Connection, task: Task) -> Done {
    match task {
        Task::Names(ns) => {
            let r = fetch::secret_names(conn, &ns).await;
            Done::Names(ns, r)
        }
        Task::Get(ns, name) => {
            let r = fetch::get_secret(conn, &ns, &name).await;
            Done::Get(ns, name, r)
        }
        Task::Review(ns, verb) => {
            let q = Question::new(verb, "", "secrets", Some(&ns));
            let r = access::can_i(conn, &q).await.map(|a| a.allowed);
            Done::Review(ns, verb, r)
        }
        Task::Account(ns, sa) => {
            let r = fetch::service_account_pull_secrets(conn, &ns, &sa).await;
            Done::Account(ns, sa, r)
        }
    }
}

/// A namespace's list of Secret names.
enum Names {
    Asked,
    Listed(BTreeSet<String>),
    Forbidden,
}

/// What is known and asked of one namespace.
struct Namespace {
    names: Names,
    /// Secret names wanted here (read, or known absent, once each).
    wanted: BTreeSet<String>,
    /// The access questions were asked (servers reference Secrets here).
    reviewed: bool,
}

/// The state of the reads: what was asked, what is known, what waits for a free slot.
struct Plan {
    namespaces: BTreeMap<String, Namespace>,
    accounts: BTreeSet<(String, String)>,
    queue: VecDeque<Task>,
    out: Reads,
    gets: usize,
    got: usize,
}

impl Plan {
    /// Secret `name` is wanted in `ns`; `referenced`: a server of `ns` references it (else
    /// kmcp.yaml syncs it there, for the namespace-mismatch check).
    fn want(&mut self, ns: &str, name: &str, referenced: bool) {
        if referenced {
            self.out
                .referenced
                .entry(ns.to_string())
                .or_default()
                .insert(name.to_string());
        }
        let entry = self.namespaces.entry(ns.to_string()).or_insert_with(|| {
            self.queue.push_back(Task::Names(ns.to_string()));
            Namespace {
                names: Names::Asked,
                wanted: BTreeSet::new(),
                reviewed: false,
            }
        });
        if referenced && !entry.reviewed {
            entry.reviewed = true;
            self.out.access.insert(ns.to_string(), (false, false));
            self.queue.push_back(Task::Review(ns.to_string(), "get"));
            self.queue.push_back(Task::Review(ns.to_string(), "list"));
        }
        if !entry.wanted.insert(name.to_string()) {
            return;
        }
        match &entry.names {
            Names::Asked => {}
            Names::Listed(names) if !names.contains(name) => {
                self.out.secrets.insert(ns, name, SecretState::Absent);
            }
            Names::Listed(_) | Names::Forbidden => {
                self.gets += 1;
                self.queue
                    .push_back(Task::Get(ns.to_string(), name.to_string()));
            }
        }
    }

    /// A server arrived.
    fn seen(&mut self, s: Seen) {
        for name in &s.secrets {
            self.want(&s.namespace, name, true);
        }
        if let Some(sa) = s.service_account {
            let key = (s.namespace, sa);
            if self.accounts.insert(key.clone()) {
                self.queue.push_back(Task::Account(key.0, key.1));
            }
        }
    }

    /// An answer arrived.
    fn done(&mut self, done: Done) -> Result<()> {
        match done {
            Done::Names(ns, listed) => {
                let listed = listed?;
                let Some(entry) = self.namespaces.get_mut(&ns) else {
                    return Ok(());
                };
                let wanted: Vec<String> = entry.wanted.iter().cloned().collect();
                entry.names = match listed {
                    Some(names) => {
                        self.out.names_listed.insert(ns.clone());
                        Names::Listed(names)
                    }
                    None => Names::Forbidden,
                };
                for name in wanted {
                    let present = match &entry.names {
                        Names::Listed(names) => names.contains(&name),
                        _ => true,
                    };
                    if present {
                        self.gets += 1;
                        self.queue.push_back(Task::Get(ns.clone(), name));
                    } else {
                        self.out.secrets.insert(&ns, &name, SecretState::Absent);
                    }
                }
            }
            Done::Get(ns, name, state) => {
                self.got += 1;
                self.out.secrets.insert(&ns, &name, state?);
            }
            Done::Review(ns, verb, allowed) => {
                let allowed = allowed?;
                let slot = self.out.access.entry(ns).or_default();
                match verb {
                    "get" => slot.0 = allowed,
                    _ => slot.1 = allowed,
                }
            }
            Done::Account(ns, sa, names) => match names? {
                Some(names) => {
                    for name in &names {
                        self.want(&ns, name, true);
                    }
                    self.out.service_accounts.insert((ns, sa), names);
                }
                None => self.out.notes.push(format!(
                    "ServiceAccount {ns}/{sa} (serviceAccountName of a server) could not be read: its imagePullSecrets were not audited; check with `kubectl get serviceaccount {sa} -n {ns}`"
                )),
            },
        }
        Ok(())
    }
}

/// Reads what the servers arriving on `seen` need, while they arrive, then (once the lists
/// are done) kmcp.yaml's Secrets in their environments' namespaces. Secrets that servers
/// reference in one namespace and that exist in another listed one are recorded there by name
/// (for the namespace-mismatch check).
pub async fn run(
    conn: &Connection,
    mut seen: UnboundedReceiver<Seen>,
    project: &ProjectContext,
    progress: &Progress,
) -> Result<Reads> {
    let mut plan = Plan {
        namespaces: BTreeMap::new(),
        accounts: BTreeSet::new(),
        queue: VecDeque::new(),
        out: Reads::default(),
        gets: 0,
        got: 0,
    };
    let mut running = FuturesUnordered::new();
    let mut listing = true;
    loop {
        while running.len() < CONCURRENCY {
            let Some(task) = plan.queue.pop_front() else {
                break;
            };
            running.push(run_task(conn, task));
        }
        if !listing && running.is_empty() && plan.queue.is_empty() {
            break;
        }
        tokio::select! {
            s = seen.recv(), if listing => match s {
                Some(s) => plan.seen(s),
                None => {
                    listing = false;
                    // kmcp.yaml's Secrets, in their environments' namespaces.
                    let referenced: BTreeSet<String> =
                        plan.out.referenced.values().flatten().cloned().collect();
                    for p in &project.secrets {
                        if let Some(ns) = &p.namespace
                            && referenced.contains(&p.secret)
                        {
                            plan.want(ns, &p.secret, false);
                        }
                    }
                }
            },
            Some(done) = running.next(), if !running.is_empty() => {
                plan.done(done)?;
                if plan.gets > 0 {
                    progress.say(&format!("reading Secrets: {}/{}", plan.got, plan.gets));
                }
            },
        }
    }
    // Referenced elsewhere, present here: known by name only, for the namespace-mismatch
    // check (no server of this namespace references it).
    let referenced: BTreeSet<&String> = plan.out.referenced.values().flatten().collect();
    for (ns, entry) in &plan.namespaces {
        if let Names::Listed(names) = &entry.names {
            for name in names.iter().filter(|n| referenced.contains(n)) {
                if !entry.wanted.contains(name) {
                    plan.out
                        .secrets
                        .insert(ns, name, SecretState::Present(SecretInfo::default()));
                }
            }
        }
    }
    Ok(plan.out)
}
