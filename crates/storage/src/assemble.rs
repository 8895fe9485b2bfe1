//! What both backends compute the same way around their queries: the rows a day is stored as,
//! report rows from period sums, and the group sums of a reclassified day.

use std::collections::{BTreeSet, HashMap};

use usage_model::Traffic;

use crate::convert::{position_from_sql, position_to_sql, traffic};
use crate::error::{Error, Result};
use crate::records::{ClientDayRecord, NetworkRecord, ReportRow};
use crate::rows::{ClientRow, GroupRow, GroupSumRow, ReportNetworkRow};

/// `daily_usage.group_position` of the row holding unmatched traffic.
pub(crate) const UNMATCHED: i64 = -1;

/// One `daily_usage` row of a network-day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct GroupRowValue {
    pub(crate) position: i64,
    pub(crate) traffic: Traffic,
    pub(crate) bound: Traffic,
}

/// The `daily_usage` rows of one network-day: one per group position (with its bound, zero
/// when `bounds` does not name it), then the unmatched row.
pub(crate) fn group_row_values(
    groups: &[(usize, Traffic)],
    unmatched: Traffic,
    bounds: &[(usize, Traffic)],
    unmatched_bound: Traffic,
) -> Result<Vec<GroupRowValue>> {
    let bound_of = |p: usize| {
        bounds
            .iter()
            .find(|(q, _)| *q == p)
            .map(|(_, b)| *b)
            .unwrap_or_default()
    };
    let mut rows = groups
        .iter()
        .map(|(p, t)| {
            Ok(GroupRowValue {
                position: position_to_sql(*p)?,
                traffic: *t,
                bound: bound_of(*p),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    rows.push(GroupRowValue {
        position: UNMATCHED,
        traffic: unmatched,
        bound: unmatched_bound,
    });
    Ok(rows)
}

/// Report rows from a period's sums: every network (in the given order) gets one row per
/// defined group, then rows of positions no longer defined that the period holds, then its
/// unmatched row when the period holds one.
pub(crate) fn report_rows(
    sums: Vec<GroupSumRow>,
    networks: Vec<ReportNetworkRow>,
    groups: &[GroupRow],
) -> Result<Vec<ReportRow>> {
    let mut by_network: HashMap<String, Vec<(i64, Traffic)>> = HashMap::new();
    for s in sums.into_iter().filter(|s| s.rows > 0) {
        by_network
            .entry(s.network_id)
            .or_default()
            .push((s.group_position, traffic(s.up_mkb, s.down_mkb)));
    }
    let names: HashMap<i64, &str> = groups
        .iter()
        .map(|g| (g.position, g.name.as_str()))
        .collect();
    let mut rows = Vec::with_capacity(networks.len() * (groups.len() + 1));
    for net in networks {
        let mut sums = by_network.remove(&net.network_id).unwrap_or_default();
        let mut positions: BTreeSet<i64> = groups.iter().map(|g| g.position).collect();
        positions.extend(sums.iter().map(|(p, _)| *p).filter(|p| *p >= 0));
        let has_unmatched = sums.iter().any(|(p, _)| *p < 0);
        let order = positions
            .into_iter()
            .chain(has_unmatched.then_some(UNMATCHED));
        for position in order {
            let t = sums
                .iter()
                .position(|(p, _)| *p == position)
                .map(|i| sums.swap_remove(i).1)
                .unwrap_or_default();
            rows.push(ReportRow {
                organization_id: net.organization_id.clone(),
                organization_name: net.organization_name.clone(),
                network_id: net.network_id.clone(),
                network_name: net.network_name.clone(),
                group_position: position_from_sql(position)?,
                group_name: names.get(&position).map(|n| n.to_string()),
                traffic: t,
            });
        }
    }
    Ok(rows)
}

/// How many days `start..=end` holds.
pub(crate) fn days_in(start: jiff::civil::Date, end: jiff::civil::Date) -> i64 {
    i64::from(
        start
            .until((jiff::Unit::Day, end))
            .map_or(0, |span| span.get_days()),
    ) + 1
}

/// One reclassified network-day: the client rows whose group changed, and the day's new group
/// rows (every defined group, zeros included, with bounds).
pub(crate) struct ReclassifiedDay {
    pub(crate) changed: Vec<(String, Option<i64>)>,
    pub(crate) rows: Vec<GroupRowValue>,
    pub(crate) clients: u64,
}

/// Classifies one network-day's client rows with `classify` into `group_count` groups.
pub(crate) fn reclassify_day<F>(
    clients: Vec<ClientRow>,
    network: &NetworkRecord,
    group_count: usize,
    classify: &mut F,
) -> Result<ReclassifiedDay>
where
    F: FnMut(&ClientDayRecord, &NetworkRecord) -> Option<usize>,
{
    let mut sums = vec![Traffic::default(); group_count];
    let mut bounds = vec![Traffic::default(); group_count];
    let mut unmatched = Traffic::default();
    let mut unmatched_bound = Traffic::default();
    let mut changed = Vec::new();
    let mut count = 0;
    for row in clients {
        let record = ClientDayRecord::from(row);
        let group = classify(&record, network);
        match group {
            Some(g) => match (sums.get_mut(g), bounds.get_mut(g)) {
                (Some(sum), Some(bound)) => {
                    *sum += record.traffic;
                    *bound += record.bound;
                }
                _ => {
                    return Err(Error::InvalidInput(format!(
                        "classifier returned group position {g}, but only {group_count} groups \
                         are defined"
                    )));
                }
            },
            None => {
                unmatched += record.traffic;
                unmatched_bound += record.bound;
            }
        }
        if group != record.group {
            changed.push((record.client_id, group.map(position_to_sql).transpose()?));
        }
        count += 1;
    }
    let groups: Vec<(usize, Traffic)> = sums.into_iter().enumerate().collect();
    let bounds: Vec<(usize, Traffic)> = bounds
        .into_iter()
        .enumerate()
        .filter(|(_, b)| *b != Traffic::default())
        .collect();
    Ok(ReclassifiedDay {
        changed,
        rows: group_row_values(&groups, unmatched, &bounds, unmatched_bound)?,
        clients: count,
    })
}
