// Dates as spreadsheets write them into CSV, read into ISO-8601 text.

// Excel's CSV (US locale): month first, 1/15/2024 and 1/15/2024 13:45[:07]; other spreadsheets' D.M.YYYY
const SLASH_DATE = /^(0?[1-9]|1[0-2])\/(0?[1-9]|[12]\d|3[01])\/(\d{4})(?: (\d{1,2}):([0-5]\d)(?::([0-5]\d(?:\.\d{1,9})?))?)?$/;
const DOT_DATE = /^(0?[1-9]|[12]\d|3[01])\.(0?[1-9]|1[0-2])\.(\d{4})(?: (\d{1,2}):([0-5]\d)(?::([0-5]\d(?:\.\d{1,9})?))?)?$/;

// A spreadsheet date (or date and time) as ISO-8601 text, or null when it is not one.
export function spreadsheetDate(s: string): { iso: string; time: boolean } | null {
  const slash = SLASH_DATE.exec(s);
  const m = slash ?? DOT_DATE.exec(s);
  if (!m) return null;
  const [month, day] = slash ? [m[1]!, m[2]!] : [m[2]!, m[1]!];
  const year = m[3]!;
  const date = `${year}-${month.padStart(2, "0")}-${day.padStart(2, "0")}`;
  const check = new Date(`${date}T00:00:00Z`);
  if (Number.isNaN(check.getTime()) || check.toISOString().slice(0, 10) !== date) return null; // 2/30/2024
  if (m[4] === undefined) return { iso: date, time: false };
  if (Number(m[4]) > 23) return null;
  return { iso: `${date}T${m[4].padStart(2, "0")}:${m[5]}:${(m[6] ?? "00").padStart(2, "0")}`, time: true };
}
