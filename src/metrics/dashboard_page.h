// The dashboard served at `/` by the metrics server: one self-contained HTML page (CSS and
// JavaScript inline, no external request of any kind) that polls /api/status every second and
// shows each job live — throughput per operation and lag as small SVG time-series charts, the
// counters, backlog, pending, dead letters with the latest reasons — and each target's state.
//
// Every number is rendered into an element with a stable id and its raw value in data-value
// (id="job-<name>-<field>", field = inserted|updated|deleted|filtered|rejected|backlog|pending|
// lag|dead_letters|rate; the latest rejections are rows of #job-<name>-rejected-list), and the
// snapshot shown is named by data-seq on #dashboard, so a test (or a script) can read the page's
// DOM and compare it with /api/status.
#pragma once
#include <string_view>

namespace wb::metrics {

extern const std::string_view kDashboardHtml;

}  // namespace wb::metrics
