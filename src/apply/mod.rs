//! Applying: one pipeline for every writer — `roster apply`, `export
//! --adopt` and the benchmark seeding alike.
//!
//! 1. the *source*: a plan reviewed before the lock (a saved plan, one
//!    confirmed at a terminal, an adoption), or a config planned under the
//!    lock on the data the apply writes over;
//! 2. the *lock*: one transaction holding roster's write lock;
//! 3. the *locked load* of the live directory;
//! 4. the *re-check*: a reviewed plan must still fit ([`verify()`]); a
//!    config is planned, and a refused or empty plan stops here;
//! 5. the *change set*: the plan translated, nothing decided
//!    ([`change_set()`]);
//! 6. the *write*, then the *bookkeeping* (the history entry) and the
//!    commit.
//!
//! Nothing is shown while the lock is held: the caller renders the plan
//! before the lock (a reviewed one) or after the commit or rollback.

pub mod change_set;
pub mod history;
pub mod verify;

use std::path::PathBuf;

use chrono::{DateTime, Utc};

pub use change_set::change_set;
pub use verify::{Mismatch, verify};

use crate::config::{ConfigError, Validated};
use crate::model::DesiredState;
use crate::plan::{Plan, PlanOptions};
use crate::store::{LockError, LockOptions, Store, StoreError};

/// Who applies, when, from which revision, and how long to wait for the lock.
#[derive(Debug, Clone)]
pub struct Request {
    /// When the apply runs: guards are re-checked, accounts created and
    /// invitations sent at this time.
    pub now: DateTime<Utc>,
    /// How to take the lock.
    pub lock: LockOptions,
    /// The config's revision, when known.
    pub revision: Option<String>,
    /// Who applies.
    pub actor: String,
    /// A line the history records besides the plan's changes.
    pub note: Option<String>,
}

/// Where the plan comes from.
pub enum Source {
    /// A plan reviewed before the lock was taken: verified inside it.
    Reviewed(Plan),
    /// A config, planned inside the lock.
    Config {
        /// The config, being read.
        config: PendingConfig,
        /// Flags that let the plan through its guards.
        options: PlanOptions,
    },
}

/// What reading a config gave.
pub type ConfigOutcome = Result<Validated, ConfigError>;

/// A config being read on its own thread while the lock is taken and the
/// directory read: at scale the two take about as long.
pub struct PendingConfig {
    thread: Option<std::thread::JoinHandle<ConfigOutcome>>,
    outcome: Option<ConfigOutcome>,
}

impl PendingConfig {
    /// Starts reading the config at `path`, with the cache in `cache_dir`
    /// when `trust` allows it.
    pub fn read(
        path: PathBuf,
        now: DateTime<Utc>,
        cache_dir: Option<PathBuf>,
        trust: crate::config::cache::Trust,
    ) -> PendingConfig {
        let thread = std::thread::spawn(move || {
            crate::config::load_trusting(&path, now, cache_dir.as_deref(), trust)
        });
        PendingConfig {
            thread: Some(thread),
            outcome: None,
        }
    }

    /// A config already read.
    pub fn ready(outcome: ConfigOutcome) -> PendingConfig {
        PendingConfig {
            thread: None,
            outcome: Some(outcome),
        }
    }

    /// Waits for the reading to finish.
    pub fn wait(&mut self) -> &ConfigOutcome {
        if let Some(thread) = self.thread.take() {
            let outcome = thread
                .join()
                .unwrap_or_else(|_| panic!("reading the config panicked"));
            self.outcome = Some(outcome);
        }
        self.outcome
            .as_ref()
            .expect("an outcome once the reading has finished")
    }

    /// What reading gave, once finished.
    pub fn into_outcome(mut self) -> ConfigOutcome {
        self.wait();
        self.outcome.take().expect("a finished reading")
    }

    /// The desired state and what checking found, or the outcome that has
    /// no desired state (errors, or a config that could not be read).
    fn finish(self) -> Result<(DesiredState, Validated), Box<ConfigOutcome>> {
        match self.into_outcome() {
            Ok(mut validated) => match validated.desired.take() {
                Some(desired) => Ok((desired, validated)),
                None => Err(Box::new(Ok(validated))),
            },
            Err(error) => Err(Box::new(Err(error))),
        }
    }
}

/// How an apply ended without an error. Nothing was written unless it
/// was [`Outcome::Applied`].
#[derive(Debug)]
pub enum Outcome {
    /// Written and committed, as history entry `id`.
    Applied {
        /// The history entry.
        id: i64,
        /// The plan applied.
        plan: Plan,
        /// What checking the config found (its desired state taken out).
        findings: Option<Validated>,
    },
    /// The plan has nothing to write.
    Nothing {
        /// The plan.
        plan: Plan,
        /// What checking the config found.
        findings: Option<Validated>,
    },
    /// A guard refused the plan made under the lock.
    Refused {
        /// The plan, with its refusals.
        plan: Plan,
        /// What checking the config found.
        findings: Option<Validated>,
    },
}

/// Why an apply stopped. Nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The config has errors or could not be read.
    #[error("the config cannot be applied")]
    Config(Box<ConfigOutcome>),
    /// The plan is not one roster could have made.
    #[error("the plan is inconsistent")]
    Inconsistent(Vec<String>),
    /// Another apply holds the lock.
    #[error("another apply holds the lock")]
    Locked {
        /// Who, when the engine can say.
        holder: Option<String>,
    },
    /// The live directory is no longer what the plan assumed.
    #[error("the live directory is no longer what the plan assumed")]
    Stale(Mismatch),
    /// The database failed or refused a change; the transaction rolled back.
    #[error(transparent)]
    Store(StoreError),
}

impl From<LockError> for ApplyError {
    fn from(error: LockError) -> ApplyError {
        match error {
            LockError::Locked { holder } => ApplyError::Locked { holder },
            LockError::Store(error) => ApplyError::Store(error),
        }
    }
}

impl From<StoreError> for ApplyError {
    fn from(error: StoreError) -> ApplyError {
        match error {
            // A name that resolves to no row: the directory changed under
            // a plan that did not record the object.
            StoreError::Missing { object } => ApplyError::Stale(Mismatch {
                missing: vec![object],
                ..Mismatch::default()
            }),
            other => ApplyError::Store(other),
        }
    }
}

/// Applies what `source` says to the directory in `store`, in one
/// transaction under roster's write lock. `rows` hears how many rows the
/// write inserts, once known (for a progress bar).
pub async fn apply(
    store: &Store,
    source: Source,
    request: &Request,
    rows: &(dyn Fn(u64) + Sync),
) -> Result<Outcome, ApplyError> {
    if let Source::Reviewed(plan) = &source {
        let problems = crate::plan::check::problems(plan);
        if !problems.is_empty() {
            return Err(ApplyError::Inconsistent(problems));
        }
    }
    let began = std::time::Instant::now();
    let mut session = store.session().await?;
    let mut locked = session.lock(&request.lock).await?;
    let stage = crate::timing::Stage::start("apply: load");
    let mut live = locked.load().await?;
    drop(stage);
    let (plan, findings) = match source {
        Source::Reviewed(plan) => {
            let _stage = crate::timing::Stage::start("apply: verify");
            verify(&plan, &live, request.now).map_err(ApplyError::Stale)?;
            (plan, None)
        }
        Source::Config { config, options } => {
            let (desired, findings) = config.finish().map_err(ApplyError::Config)?;
            let needed = crate::plan::bodies_needed(&desired, &live);
            if !needed.is_empty() {
                let bodies = locked.load_bodies(&needed).await?;
                live.managed.add_bodies(bodies);
            }
            let stage = crate::timing::Stage::start("apply: plan");
            let plan = crate::plan::plan(&desired, &live, request.now, options);
            drop(stage);
            crate::release_at_exit(desired);
            let findings = Some(findings);
            if !plan.refusals.is_empty() {
                return Ok(Outcome::Refused { plan, findings });
            }
            if !plan.has_work() {
                return Ok(Outcome::Nothing { plan, findings });
            }
            (plan, findings)
        }
    };
    crate::release_at_exit(live);
    // The history entry (the plan's digest is a pass over all of it) is
    // made on another core while the database writes.
    let plan = std::sync::Arc::new(plan);
    let entry = {
        let (plan, revision, actor) = (
            plan.clone(),
            request.revision.clone(),
            request.actor.clone(),
        );
        let now = request.now;
        tokio::task::spawn_blocking(move || history::entry(&plan, revision, actor, now))
    };
    let stage = crate::timing::Stage::start("apply: change set");
    let changes = change_set(&plan, request.now);
    drop(stage);
    rows(changes.rows());
    let stage = crate::timing::Stage::start("apply: write");
    locked.write(&changes).await?;
    drop(stage);
    crate::release_at_exit(changes);
    let _stage = crate::timing::Stage::start("apply: record and commit");
    let mut entry = entry
        .await
        .expect("making the history entry does not panic");
    let plan = std::sync::Arc::try_unwrap(plan).unwrap_or_else(|shared| (*shared).clone());
    entry.changes.extend(request.note.clone());
    // The finish is the start plus the time the apply took, on the start's
    // clock (which `ROSTER_NOW` may fix).
    entry.finished_at = request.now
        + chrono::TimeDelta::from_std(began.elapsed()).unwrap_or(chrono::TimeDelta::zero());
    let id = locked.commit(&entry).await?;
    drop(session);
    store.checkpoint().await;
    Ok(Outcome::Applied { id, plan, findings })
}
