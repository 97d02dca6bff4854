//! The reads that follow the servers, started while the list of servers still streams in: as
//! soon as a server arrives, its namespace's Secret names are listed (metadata only) and the
//! access questions of that namespace asked; as soon as both a referenced name and its
//! namespace's names are known, the Secret is read (once); a `serviceAccountName` is followed
//! to the ServiceAccount's image pull Secrets, which are then read the same way. With `-A` the
//! access questions are first asked once for every namespace (a right granted cluster-wide
//! needs no question per namespace). At most
//! [`CONCURRENCY`] requests in flight; each Secret, namespace list and question asked once.
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use tokio::sync::mpsc::UnboundedReceiver;

use super::CONCURRENCY;
use super::fetch;
use crate::client::{Connection, access};
use crate::core::findings::{ProjectContext, SecretInfo, SecretState, Secrets, Server};
use crate::core::rbac::Question;
use crate::error::Result;
use crate::render::progress::Progress;

/// What servers of a namespace need read, sent by the list's parser as servers arrive (a batch
/// at a time; see [`Announcer`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub namespace: String,
    /// The Secret names they reference, each once.
    pub secrets: Vec<String>,
    /// Their `serviceAccountName`s, each once.
    pub service_accounts: Vec<String>,
}

/// What the decoders of the list tell the reads task, each (namespace, name) once: a list of
/// 20,000 servers that reference the same few Secrets per namespace is then a few hundred names
/// to look up, not 60,000. Each decoder thread has its own (a name may be told twice, once by
/// each: asking for it again is a no-op of the plan).
#[derive(Debug, Clone, Default)]
pub struct Announcer {
    /// By namespace, the Secret names and the service accounts already told.
    told: HashMap<String, (HashSet<String>, HashSet<String>)>,
}

impl Announcer {
    /// What a batch of arriving servers needs read that was not told before: one entry per
    /// namespace, in the order the namespaces first appear.
    pub fn batch(&mut self, servers: &[Server]) -> Vec<Seen> {
        let mut out: Vec<Seen> = Vec::new();
        for server in servers {
            let ns = server.namespace.as_str();
            let (secrets, accounts) = match self.told.get_mut(ns) {
                Some(told) => told,
                None => self.told.entry(ns.to_string()).or_default(),
            };
            let entry = |out: &mut Vec<Seen>| -> usize {
                match out.iter().rposition(|s| s.namespace == ns) {
                    Some(i) => i,
                    None => {
                        out.push(Seen {
                            namespace: ns.to_string(),
                            secrets: Vec::new(),
                            service_accounts: Vec::new(),
                        });
                        out.len() - 1
                    }
                }
            };
            for r in &server.references {
                if !secrets.contains(&r.secret) {
                    secrets.insert(r.secret.clone());
                    let i = entry(&mut out);
                    out[i].secrets.push(r.secret.clone());
                }
            }
            if let Some(sa) = &server.service_account
                && !accounts.contains(sa)
            {
                accounts.insert(sa.clone());
                let i = entry(&mut out);
                out[i].service_accounts.push(sa.clone());
            }
        }
        out
    }
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
#[derive(Debug, PartialEq, Eq)]
enum Task {
    /// The names of every namespace's Secrets (with `-A`).
    AllNames,
    Names(String),
    Get(String, String),
    Review(String, &'static str),
    Account(String, String),
}

/// A request's answer.
enum Done {
    AllNames(Result<Option<BTreeMap<String, BTreeSet<String>>>>),
    Names(String, Result<Option<BTreeSet<String>>>),
    Get(String, String, Result<SecretState>),
    Review(String, &'static str, Result<bool>),
    Account(String, String, Result<Option<Vec<String>>>),
}

async fn run_task(conn: &Connection, task: Task) -> Done {
    match task {
        Task::AllNames => Done::AllNames(fetch::secret_names(conn, None).await),
        Task::Names(ns) => {
            let r = fetch::secret_names(conn, Some(&ns))
                .await
                .map(|m| m.map(|mut m| m.remove(&ns).unwrap_or_default()));
            Done::Names(ns, r)
        }
        Task::Get(ns, name) => {
            let r = fetch::get_secret(conn, &ns, &name).await;
            Done::Get(ns, name, r)
        }
        Task::Review(ns, verb) => {
            // "": every namespace at once.
            let q = Question::new(
                verb,
                "",
                "secrets",
                Some(ns.as_str()).filter(|n| !n.is_empty()),
            );
            let r = access::can_i(conn, &q).await.map(|a| a.allowed);
            Done::Review(ns, verb, r)
        }
        Task::Account(ns, sa) => {
            let r = fetch::service_account_pull_secrets(conn, &ns, &sa).await;
            Done::Account(ns, sa, r)
        }
    }
}

/// The Secret names of every namespace, by namespace (`None`: may not be listed).
type AllNames = Option<Option<BTreeMap<String, BTreeSet<String>>>>;

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

/// The access questions' verbs: may the user get, list Secrets?
const VERBS: [&str; 2] = ["get", "list"];

/// The state of the reads: what was asked, what is known, what waits for a free slot.
struct Plan {
    /// With `-A`: the answers for every namespace at once (`get`, `list`; `None` while asked).
    /// A right granted cluster-wide holds in each namespace, so a namespace is asked about only
    /// for a verb the cluster-wide question denied.
    cluster: Option<[Option<bool>; 2]>,
    /// Namespaces waiting for the cluster-wide answers.
    waiting: Vec<String>,
    /// With `-A`: the Secret names of every namespace, from one list started at once (`None`
    /// while asked; `Some(None)` when it was refused: then a list per namespace).
    all_names: Option<AllNames>,
    namespaces: BTreeMap<String, Namespace>,
    accounts: BTreeSet<(String, String)>,
    queue: VecDeque<Task>,
    out: Reads,
    gets: usize,
    got: usize,
}

impl Plan {
    /// Nothing asked yet but, with `-A`, the access questions for every namespace.
    fn new(all_namespaces: bool) -> Plan {
        let mut plan = Plan {
            cluster: all_namespaces.then_some([None, None]),
            waiting: Vec::new(),
            all_names: all_namespaces.then_some(None),
            namespaces: BTreeMap::new(),
            accounts: BTreeSet::new(),
            queue: VecDeque::new(),
            out: Reads::default(),
            gets: 0,
            got: 0,
        };
        if all_namespaces {
            plan.queue.push_back(Task::AllNames);
            for verb in VERBS {
                plan.queue.push_back(Task::Review(String::new(), verb));
            }
        }
        plan
    }

    /// Secret `name` is wanted in `ns`; `referenced`: a server of `ns` references it (else
    /// kmcp.yaml syncs it there, for the namespace-mismatch check).
    fn want(&mut self, ns: &str, name: &str, referenced: bool) {
        // Most servers reference what others of their namespace did: look before allocating.
        if referenced {
            let names = match self.out.referenced.get_mut(ns) {
                Some(names) => names,
                None => self.out.referenced.entry(ns.to_string()).or_default(),
            };
            if !names.contains(name) {
                names.insert(name.to_string());
            }
        }
        if !self.namespaces.contains_key(ns) {
            // Its names: from the list of every namespace, or a list of its own.
            let names = match &mut self.all_names {
                Some(None) => Names::Asked,
                Some(Some(Some(all))) => {
                    self.out.names_listed.insert(ns.to_string());
                    Names::Listed(all.remove(ns).unwrap_or_default())
                }
                Some(Some(None)) | None => {
                    self.queue.push_back(Task::Names(ns.to_string()));
                    Names::Asked
                }
            };
            self.namespaces.insert(
                ns.to_string(),
                Namespace {
                    names,
                    wanted: BTreeSet::new(),
                    reviewed: false,
                },
            );
        }
        let Some(entry) = self.namespaces.get_mut(ns) else {
            return;
        };
        let review = referenced && !entry.reviewed;
        entry.reviewed |= referenced;
        let new = !entry.wanted.contains(name) && entry.wanted.insert(name.to_string());
        let names = match &entry.names {
            Names::Asked => None,
            Names::Listed(names) => Some(names.contains(name)),
            Names::Forbidden => Some(true),
        };
        if review {
            self.out.access.insert(ns.to_string(), (false, false));
            self.review(ns);
        }
        if !new {
            return;
        }
        match names {
            None => {}
            Some(false) => self.out.secrets.insert(ns, name, SecretState::Absent),
            Some(true) => {
                self.gets += 1;
                self.queue
                    .push_back(Task::Get(ns.to_string(), name.to_string()));
            }
        }
    }

    /// Asks the access questions of `ns`, or takes the cluster-wide answers.
    fn review(&mut self, ns: &str) {
        let Some(cluster) = self.cluster else {
            for verb in VERBS {
                self.queue.push_back(Task::Review(ns.to_string(), verb));
            }
            return;
        };
        if cluster.iter().any(Option::is_none) {
            self.waiting.push(ns.to_string());
            return;
        }
        for (verb, answer) in VERBS.into_iter().zip(cluster) {
            if answer == Some(true) {
                self.allow(ns.to_string(), verb, true);
            } else {
                self.queue.push_back(Task::Review(ns.to_string(), verb));
            }
        }
    }

    fn allow(&mut self, ns: String, verb: &str, allowed: bool) {
        let slot = self.out.access.entry(ns).or_default();
        match verb {
            "get" => slot.0 = allowed,
            _ => slot.1 = allowed,
        }
    }

    /// A server arrived.
    fn seen(&mut self, s: Seen) {
        for name in &s.secrets {
            self.want(&s.namespace, name, true);
        }
        for sa in s.service_accounts {
            let key = (s.namespace.clone(), sa);
            if self.accounts.insert(key.clone()) {
                self.queue.push_back(Task::Account(key.0, key.1));
            }
        }
    }

    /// An answer arrived.
    /// The names of namespace `ns` are known (`None`: it may not be listed): a get per wanted
    /// name that exists, absent for the others.
    fn names_known(&mut self, ns: String, listed: Option<BTreeSet<String>>) {
        let Some(entry) = self.namespaces.get_mut(&ns) else {
            return;
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

    fn done(&mut self, done: Done) -> Result<()> {
        match done {
            Done::AllNames(listed) => {
                let mut listed = listed?;
                let asked: Vec<String> = self.namespaces.keys().cloned().collect();
                for ns in asked {
                    match &mut listed {
                        Some(all) => {
                            let names = all.remove(&ns).unwrap_or_default();
                            self.names_known(ns, Some(names));
                        }
                        None => self.queue.push_back(Task::Names(ns)),
                    }
                }
                self.all_names = Some(Some(listed));
            }
            Done::Names(ns, listed) => {
                let listed = listed?;
                self.names_known(ns, listed);
            }
            Done::Get(ns, name, state) => {
                self.got += 1;
                self.out.secrets.insert(&ns, &name, state?);
            }
            Done::Review(ns, verb, allowed) => {
                let allowed = allowed?;
                match &mut self.cluster {
                    Some(cluster) if ns.is_empty() => {
                        if let Some(slot) = VERBS
                            .iter()
                            .position(|v| *v == verb)
                            .and_then(|i| cluster.get_mut(i))
                        {
                            *slot = Some(allowed);
                        }
                        if cluster.iter().all(Option::is_some) {
                            for ns in std::mem::take(&mut self.waiting) {
                                self.review(&ns);
                            }
                        }
                    }
                    _ => self.allow(ns, verb, allowed),
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
    mut seen: UnboundedReceiver<Vec<Seen>>,
    all_namespaces: bool,
    project: &ProjectContext,
    progress: &Progress,
) -> Result<Reads> {
    let mut plan = Plan::new(all_namespaces);
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
                Some(batch) => batch.into_iter().for_each(|s| plan.seen(s)),
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn seen(ns: &str, secrets: &[&str], sa: Option<&str>) -> Seen {
        Seen {
            namespace: ns.into(),
            secrets: secrets.iter().map(|s| s.to_string()).collect(),
            service_accounts: sa.into_iter().map(str::to_string).collect(),
        }
    }

    /// The decoders tell each namespace's Secret names and service accounts once: per batch one
    /// entry per namespace, and nothing that an earlier batch told.
    #[test]
    fn each_name_is_announced_once_by_namespace() {
        let server = |ns: &str, refs: &[&str], sa: Option<&str>| {
            let refs: Vec<_> = refs.iter().map(|r| json!({"name": r})).collect();
            Server::from_json(&json!({
                "metadata": {"namespace": ns, "name": "s"},
                "spec": {"deployment": {"secretRefs": refs, "serviceAccountName": sa}}
            }))
        };
        let seen = |ns: &str, secrets: &[&str], sas: &[&str]| Seen {
            namespace: ns.into(),
            secrets: secrets.iter().map(|s| s.to_string()).collect(),
            service_accounts: sas.iter().map(|s| s.to_string()).collect(),
        };
        let mut announcer = Announcer::default();
        let first = [
            server("a", &["env", "pull"], Some("runner")),
            server("b", &["env"], None),
            server("a", &["env", "env", "x"], Some("runner")),
            server("a", &[], Some("other")),
        ];
        assert_eq!(
            announcer.batch(&first),
            [
                seen("a", &["env", "pull", "x"], &["runner", "other"]),
                seen("b", &["env"], &[]),
            ]
        );
        let second = [
            server("b", &["env", "new"], Some("runner")),
            server("a", &["pull"], Some("runner")),
            server("c", &["env"], None),
        ];
        assert_eq!(
            announcer.batch(&second),
            [seen("b", &["new"], &["runner"]), seen("c", &["env"], &[])]
        );
        assert!(announcer.batch(&first).is_empty());
        assert!(announcer.batch(&[]).is_empty());
    }

    fn drain(plan: &mut Plan) -> Vec<Task> {
        plan.queue.drain(..).collect()
    }

    #[test]
    fn each_namespace_secret_and_question_is_asked_once_as_servers_arrive() {
        let mut plan = Plan::new(false);
        plan.seen(seen("a", &["env", "pull"], None));
        assert_eq!(
            drain(&mut plan),
            [
                Task::Names("a".into()),
                Task::Review("a".into(), "get"),
                Task::Review("a".into(), "list"),
            ]
        );
        // The names arrive: a get per referenced name that exists, absent otherwise.
        let names = BTreeSet::from(["env".to_string(), "helm-release".to_string()]);
        plan.done(Done::Names("a".into(), Ok(Some(names)))).unwrap();
        assert_eq!(drain(&mut plan), [Task::Get("a".into(), "env".into())]);
        assert_eq!(
            plan.out.secrets.get("a", "pull"),
            Some(&SecretState::Absent)
        );
        // Later servers: a known name is not read twice, an unknown one is absent at once.
        plan.seen(seen("a", &["env", "gone"], Some("runner")));
        assert_eq!(
            drain(&mut plan),
            [Task::Account("a".into(), "runner".into())]
        );
        assert_eq!(
            plan.out.secrets.get("a", "gone"),
            Some(&SecretState::Absent)
        );
        // The ServiceAccount's pull Secret is wanted like a reference.
        plan.done(Done::Account(
            "a".into(),
            "runner".into(),
            Ok(Some(vec!["helm-release".into()])),
        ))
        .unwrap();
        assert_eq!(
            drain(&mut plan),
            [Task::Get("a".into(), "helm-release".into())]
        );
        // Listing forbidden in b: a get per referenced name.
        plan.seen(seen("b", &["x"], None));
        drain(&mut plan);
        plan.done(Done::Names("b".into(), Ok(None))).unwrap();
        assert_eq!(drain(&mut plan), [Task::Get("b".into(), "x".into())]);
        assert_eq!(plan.out.names_listed.iter().collect::<Vec<_>>(), ["a"]);
    }

    #[test]
    fn with_all_namespaces_a_right_granted_cluster_wide_is_not_asked_per_namespace() {
        let mut plan = Plan::new(true);
        assert_eq!(
            drain(&mut plan),
            [
                Task::AllNames,
                Task::Review(String::new(), "get"),
                Task::Review(String::new(), "list"),
            ]
        );
        // A namespace arrives before the answers: it waits for them.
        plan.seen(seen("a", &["env"], None));
        assert!(
            plan.queue.is_empty(),
            "its names come with every namespace's"
        );
        plan.done(Done::Review(String::new(), "get", Ok(true)))
            .unwrap();
        assert!(plan.queue.is_empty());
        plan.done(Done::Review(String::new(), "list", Ok(false)))
            .unwrap();
        // get is granted everywhere; list is asked in the namespace.
        assert_eq!(drain(&mut plan), [Task::Review("a".into(), "list")]);
        plan.done(Done::Review("a".into(), "list", Ok(true)))
            .unwrap();
        // The names of every namespace: a's wanted Secret is read; a later namespace is known
        // at once.
        let all = BTreeMap::from([
            ("a".to_string(), BTreeSet::from(["env".to_string()])),
            ("c".to_string(), BTreeSet::from(["env".to_string()])),
        ]);
        plan.done(Done::AllNames(Ok(Some(all)))).unwrap();
        assert_eq!(drain(&mut plan), [Task::Get("a".into(), "env".into())]);
        plan.seen(seen("b", &["env"], None));
        assert_eq!(drain(&mut plan), [Task::Review("b".into(), "list")]);
        assert_eq!(plan.out.secrets.get("b", "env"), Some(&SecretState::Absent));
        assert_eq!(plan.out.names_listed.iter().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(plan.out.access.get("a"), Some(&(true, true)));
        assert_eq!(plan.out.access.get("b"), Some(&(true, false)));
    }
}

#[cfg(test)]
mod refused {
    use super::*;

    /// With `-A` and no right to list Secrets across namespaces: a list per namespace.
    #[test]
    fn a_refused_list_of_every_namespace_falls_back_to_one_per_namespace() {
        let mut plan = Plan::new(true);
        plan.queue.clear();
        plan.seen(Seen {
            namespace: "a".into(),
            secrets: vec!["env".into()],
            service_accounts: Vec::new(),
        });
        plan.queue.clear();
        plan.done(Done::AllNames(Ok(None))).unwrap();
        assert_eq!(
            plan.queue.drain(..).collect::<Vec<_>>(),
            [Task::Names("a".into())]
        );
        plan.seen(Seen {
            namespace: "b".into(),
            secrets: vec!["env".into()],
            service_accounts: Vec::new(),
        });
        assert_eq!(plan.queue.front(), Some(&Task::Names("b".into())));
    }
}
