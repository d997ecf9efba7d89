//! The three scenarios a campaign plays: plain walks, drift walks, get-member calls.

use super::*;

impl Ctx<'_> {
    /// Walks of a still organization: exactly its members, each once.
    pub(crate) async fn plain_walks(&mut self, scenario: u64, concurrency: usize) -> Tally {
        let (fake, client) = self.start().await;
        let expected = member_ids(&fake);
        let per_page = self.settings.per_page as usize;
        let mut tally = Tally::default();
        for walk in 0..self.settings.walks {
            let what = format!("concurrency {concurrency}, walk {walk}");
            let mut yielded: Vec<i64> = Vec::new();
            let (mut start, mut streams) = (1u64, 0u64);
            loop {
                let plan = self
                    .settings
                    .plan(self.seed, scenario, walk as u64, streams);
                fake.set_faults(plan);
                let mut run = self
                    .stream(&fake, &client, concurrency, (start, None), false, None)
                    .await;
                self.check_stream(&what, &run);
                self.account(&what, &run, &mut tally);
                if run.summary.drift.is_some() || run.summary.duplicates_skipped > 0 {
                    self.violate(format!("{what}: drift reported on a still organization"));
                }
                let Some(err) = run.failure.take() else {
                    yielded.extend(run.got);
                    break;
                };
                let Some(page) = self.resume_point(&what, &err, start) else {
                    break;
                };
                let before = slice(
                    &expected,
                    (start as usize - 1) * per_page,
                    (page as usize - 1) * per_page,
                );
                if run.got != before {
                    self.violate(format!(
                        "{what}: members before the failed page {page} differ"
                    ));
                }
                yielded.extend(run.got);
                streams += 1;
                if streams >= MAX_STREAMS {
                    self.violate(format!("{what}: still failing after {streams} resumes"));
                    break;
                }
                start = page;
            }
            tally.runs += 1;
            tally.resumes += streams;
            if streams == 0 {
                tally.first_try += 1;
            } else {
                tally.resumed += 1;
            }
            let exact = if concurrency == 1 {
                yielded == expected
            } else {
                let set: BTreeSet<i64> = yielded.iter().copied().collect();
                set.len() == yielded.len() && set.into_iter().eq(expected.iter().copied())
            };
            if !exact {
                self.violate(format!(
                    "{what}: yielded {} members, not exactly the {} of the organization",
                    yielded.len(),
                    expected.len()
                ));
            }
        }
        fake.shutdown().await;
        tally
    }

    /// Walks during which members are inserted and removed: in id order a removal
    /// shifts later members towards page 1 (some are missed); in `-id` order an
    /// insertion shifts them the other way (repeats, which a stream drops).
    pub(crate) async fn drift_walks(&mut self, scenario: u64, concurrency: usize) -> Tally {
        let (fake, client) = self.start().await;
        let mut tally = Tally::default();
        for walk in 0..self.settings.drift_walks {
            let descending = walk % 2 == 1;
            let what = format!("concurrency {concurrency}, drift walk {walk}");
            let before: BTreeSet<i64> = member_ids(&fake).into_iter().collect();
            let mut plan = DriftPlan {
                insert_at: 2 + (walk % 4) as u64,
                remove_at: 3 + (walk % 5) as u64,
                received: 0,
            };
            let mut yielded: Vec<i64> = Vec::new();
            let (mut start, mut streams, mut reported, mut skipped) = (1u64, 0u64, false, 0u64);
            let (mut possible_gap, mut added) = (0u64, 0u64);
            // A failed stream is resumed from its checkpoint: exactly, with what it
            // yielded and what it saw of the list carried over.
            let mut checkpoint = None;
            loop {
                let faults = self
                    .settings
                    .plan(self.seed, scenario, walk as u64, streams);
                fake.set_faults(faults);
                let mut run = self
                    .stream(
                        &fake,
                        &client,
                        concurrency,
                        (start, checkpoint.take()),
                        descending,
                        Some(&mut plan),
                    )
                    .await;
                self.check_stream(&what, &run);
                self.account(&what, &run, &mut tally);
                reported |= run.summary.drift.is_some();
                skipped += run.summary.duplicates_skipped;
                possible_gap += run.summary.possible_gap();
                added += run.summary.members_added;
                yielded.extend(std::mem::take(&mut run.got));
                checkpoint = run.checkpoint.take();
                let Some(err) = run.failure.take() else { break };
                let Some(page) = self.resume_point(&what, &err, start) else {
                    break;
                };
                streams += 1;
                if streams >= MAX_STREAMS {
                    self.violate(format!("{what}: still failing after {streams} resumes"));
                    break;
                }
                start = page;
            }
            let after: BTreeSet<i64> = member_ids(&fake).into_iter().collect();
            let set: BTreeSet<i64> = yielded.iter().copied().collect();
            let repeated = (yielded.len() - set.len()) as u64;
            let phantom = set
                .iter()
                .filter(|id| !before.contains(id) && !after.contains(id))
                .count();
            let missed = before
                .intersection(&after)
                .filter(|id| !set.contains(id))
                .count();
            if phantom > 0 {
                self.violate(format!(
                    "{what}: {phantom} members yielded that never existed"
                ));
            }
            // In id order only a removal moves members a walk has not reached (towards
            // page 1), so at most the removed count can be missed, and the streams'
            // summaries must say so (`possible_gap`). In -id order an insertion moves
            // them towards the end: the walk still reads them unless, with pages in
            // flight, the last page was read before the insertion; its total is then
            // below the one before, which the summary reports as a possible gap.
            let bound = if descending {
                (possible_gap as usize).min(INSERTED)
            } else {
                REMOVED
            };
            if missed > bound || (!descending && repeated > 0) {
                self.violate(format!(
                    "{what}: missed {missed} (at most {bound}), repeated {repeated}"
                ));
            }
            // A removal shows as a fall of the reported total, unless members added
            // between the same two page reads hide it (only `drift` says the list
            // changed then): where no stream saw the list grow, the gap is exact.
            if added == 0 && missed as u64 > possible_gap {
                self.violate(format!(
                    "{what}: missed {missed}, but the summaries report a possible gap of {possible_gap}"
                ));
            }
            tally.gap_checked += u64::from(added == 0 && missed > 0);
            // Repeats across a resume are not checked here: the resumed stream cannot
            // know what the failed one yielded; they are counted for the caller.
            if (missed > 0 || skipped > 0) && !reported {
                self.violate(format!(
                    "{what}: missed {missed}, skipped {skipped}, no drift reported"
                ));
            }
            if descending {
                tally.missed_stale_end += missed as u64;
            } else {
                tally.missed += missed as u64;
            }
            tally.runs += 1;
            tally.resumes += streams;
            if streams == 0 {
                tally.first_try += 1;
            } else {
                tally.resumed += 1;
            }
            tally.duplicates_skipped += skipped;
            tally.repeated_after_resume += repeated;
            tally.drift_reported += u64::from(reported);
        }
        fake.shutdown().await;
        tally
    }

    /// Get-member calls, one known member in ten replaced by an unknown id.
    pub(crate) async fn gets(&mut self, scenario: u64) -> Tally {
        let (fake, client) = self.start().await;
        let ids = member_ids(&fake);
        let mut tally = Tally::default();
        for call in 0..self.settings.gets {
            let unknown = call % 10 == 9;
            let id = if unknown {
                900_000 + call as i64
            } else {
                ids[(call * 7) % ids.len()]
            };
            let what = format!("get-member call {call} (id {id})");
            fake.set_faults(self.settings.plan(self.seed, scenario, call as u64, 0));
            let result = client.member(id).send_with_meta().await;
            settle().await;
            let arrivals = fake.arrival_log();
            let spans = self.calls.take();
            let attempts: Vec<Option<FaultKind>> = arrivals.values().flatten().copied().collect();
            let n = attempts.len() as u64;
            if arrivals.len() != 1 {
                self.violate(format!(
                    "{what}: the fake saw {} distinct requests",
                    arrivals.len()
                ));
            }
            match spans.as_slice() {
                [span] if span.user_id == Some(id as u64) && span.finished() => {
                    if span.attempts() != n || span.attempts_started != n {
                        self.violate(format!(
                            "{what}: the span reports {} attempts ({} started), the fake saw {n}",
                            span.attempts(),
                            span.attempts_started
                        ));
                    }
                }
                other => self.violate(format!("{what}: spans {other:?}")),
            }
            let reported = match &result {
                Ok((member, meta)) => {
                    if unknown || member.id != id {
                        self.violate(format!("{what}: answered with member {}", member.id));
                    }
                    tally.first_try += 1;
                    meta.attempts
                }
                Err(err) if err.kind() == ErrorKind::NotFound => {
                    if !unknown {
                        self.violate(format!("{what}: a known member was not found"));
                    }
                    tally.first_try += 1;
                    tally.not_found += 1;
                    err.attempts()
                }
                Err(err) => {
                    if !(err.is_retryable() || err.kind() == ErrorKind::Decode) {
                        self.violate(format!("{what}: failed with {err:?}"));
                    }
                    tally.final_failures += 1;
                    *tally.errors.entry(format!("{:?}", err.kind())).or_insert(0) += 1;
                    err.attempts()
                }
            };
            if u64::from(reported) != n {
                self.violate(format!(
                    "{what}: the SDK reports {reported} attempts, the fake saw {n}"
                ));
            }
            tally.runs += 1;
            count(&mut tally, &attempts);
        }
        fake.shutdown().await;
        tally
    }
}
