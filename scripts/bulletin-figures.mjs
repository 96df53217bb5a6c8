// Prints the ranking figures of a published half-month bulletin, read from
// a running sanlian as the office:
//   node scripts/bulletin-figures.mjs http://127.0.0.1:8080 2026-11-H2 [password]
// how many units are ranked, how many share first place, how many are
// listed apart, and whether a criticised unit is commended or shown first
// without its criticism.
const [base, period, password = "Sanlian@2021"] = process.argv.slice(2);
const login = await fetch(`${base}/api/v1/login`, { method: "POST", headers: { "Content-Type": "application/json" },
  body: JSON.stringify({ username: "office", password }) });
const { token } = await login.json();
const res = await fetch(`${base}/api/v1/bulletins/${period}`, { headers: { Authorization: `Bearer ${token}` } });
if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
const b = await res.json();
const c = b.content ?? b;
const units = c.units ?? [];
const crit = new Set((c.criticised ?? []).map((u) => u.unit_id));
const comm = new Set((c.commended ?? []).map((u) => u.unit_id));
const ranked = units.filter((u) => u.rank);
const first = ranked.filter((u) => u.rank === 1);
const firstCrit = first.filter((u) => crit.has(u.unit_id));
console.log(JSON.stringify({
  period, units: units.length, ranked: ranked.length, tied_first: first.length, first_score: first[0]?.score,
  not_ranked: units.length - ranked.length, criticised: crit.size, commended: comm.size,
  commended_and_criticised: [...crit].filter((id) => comm.has(id)).length,
  criticised_first: firstCrit.length, criticised_first_unmarked: firstCrit.filter((u) => !u.criticised).length,
  top_row: units[0] && { name: units[0].name, score: units[0].score, criticised: crit.has(units[0].unit_id) },
}, null, 1));
