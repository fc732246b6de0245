// Parse an .ics file with Mozilla's ical.js and print, as JSON, what a calendar program sees:
// per event its UID, SEQUENCE, STATUS, summary, start/end in the event's zone and in UTC.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const text = readFileSync(process.argv[2], "utf8");
const root = new ICAL.Component(ICAL.parse(text));
for (const vtz of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(vtz));
}
const events = root.getAllSubcomponents("vevent").map((c) => {
  const ev = new ICAL.Event(c);
  const start = ev.startDate;
  const end = ev.endDate;
  return {
    uid: ev.uid,
    sequence: ev.sequence,
    status: c.getFirstPropertyValue("status"),
    summary: ev.summary,
    tzid: start.zone ? start.zone.tzid : null,
    start_local: start.toString(),
    end_local: end.toString(),
    start_utc: start.isDate ? null : start.toUnixTime(),
    end_utc: end.isDate ? null : end.toUnixTime(),
    is_date: start.isDate,
    attendees: c.getAllProperties("attendee").map((p) => p.getFirstValue()),
  };
});
console.log(JSON.stringify({ method: root.getFirstPropertyValue("method"), events }));
