// `llmzip distance A B` and `llmzip similar QUERY CANDIDATE...`: information
// distance with the model as the compressor (codec/distance.h).
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "codec/distance.h"
#include "cli/measure_io.h"
#include "cli/measure_table.h"

namespace llmzip::cli {
namespace {

using codec::Distance;
using codec::measure_distance;

std::string json_distance(const Distance& d) {
  return "\"c_x\":" + fmt(d.cx, 3) + ",\"c_y\":" + fmt(d.cy, 3) + ",\"c_x_given_y\":" + fmt(d.cx_given_y, 3) +
         ",\"c_y_given_x\":" + fmt(d.cy_given_x, 3) + ",\"c_xy\":" + fmt(d.cxy, 3) + ",\"nid\":" + fmt(d.nid, 6) +
         ",\"ncd\":" + fmt(d.ncd, 6);
}

struct Scored {
  std::string name;
  Distance d;
};

}  // namespace

int run_distance(const Args& a) {
  const bool similar = a.command == Command::kSimilar;
  if (!similar && a.files.size() != 2)
    return report(Status(ErrorCode::kInvalidArgument, "distance needs exactly two files: llmzip distance A B"));
  if (similar && a.files.size() < 2)
    return report(Status(ErrorCode::kInvalidArgument,
                         "similar needs a query and at least one candidate: llmzip similar QUERY CANDIDATE..."));

  auto model = codec::load_model(model_path(a));
  if (!model) return report(model.status());
  const codec::LoadedModel& m = **model;
  const codec::ScoreOptions opt = score_options(a);

  auto shown = [](const std::string& f) { return f == "-" ? std::string("<stdin>") : f; };
  auto query = read_input(a.files[0]);
  if (!query) return report(query.status());
  auto cq = codec::score(m, *query, opt);
  if (!cq) return report(with_context(cq.status(), shown(a.files[0])));
  const double cx = cq->total_bits;

  std::vector<Scored> results;
  int rc = 0;
  for (size_t i = 1; i < a.files.size(); ++i) {
    auto text = read_input(a.files[i]);
    if (!text) {
      rc = report(text.status());
      continue;
    }
    auto d = measure_distance(m, *query, *text, opt, &cx);
    if (!d) {
      rc = report(with_context(d.status(), shown(a.files[i])));
      continue;
    }
    results.push_back({shown(a.files[i]), *d});
  }
  if (similar) {
    // Closest first; NCD breaks ties, then the command-line order.
    std::stable_sort(results.begin(), results.end(), [](const Scored& p, const Scored& q) {
      return p.d.nid != q.d.nid ? p.d.nid < q.d.nid : p.d.ncd < q.d.ncd;
    });
  }

  const std::string qname = shown(a.files[0]);
  const std::string mname = model_label(m, model_path(a));
  if (a.json) {
    // distance and similar name things alike: the query, and each other
    // text as "file" (similar: a ranked list of them).
    std::string o = "{\"model\":" + json_string(m.name) + ",\"model_path\":" + json_string(m.path) +
                    ",\"context\":" + std::to_string(effective_context(m, a.context)) + ",\"query\":" + json_string(qname);
    if (!similar) {
      if (!results.empty()) o += ",\"file\":" + json_string(results[0].name) + "," + json_distance(results[0].d);
    } else {
      o += ",\"candidates\":[";
      for (size_t i = 0; i < results.size(); ++i)
        o += std::string(i ? "," : "") + "{\"rank\":" + std::to_string(i + 1) + ",\"file\":" + json_string(results[i].name) +
             "," + json_distance(results[i].d) + "}";
      o += "]";
    }
    print_json(o + "}");
    return rc;
  }
  if (a.verbosity == 0) return rc;
  if (!similar) {
    if (results.empty()) return rc;
    const Distance& d = results[0].d;
    const std::string& b = results[0].name;
    std::printf("model: %s, context %u tokens\n", mname.c_str(), effective_context(m, a.context));
    std::printf("  C(A)    %12.1f bits   A = %s\n", d.cx, qname.c_str());
    std::printf("  C(B)    %12.1f bits   B = %s\n", d.cy, b.c_str());
    std::printf("  C(A|B)  %12.1f bits\n  C(B|A)  %12.1f bits\n  C(AB)   %12.1f bits\n", d.cx_given_y, d.cy_given_x, d.cxy);
    std::printf("distance  %.4f   max(C(A|B),C(B|A)) / max(C(A),C(B))\n", d.nid);
    std::printf("NCD       %.4f   (C(AB) - min(C(A),C(B))) / max(C(A),C(B))\n", d.ncd);
    return rc;
  }
  Table t({{"rank"}, {"candidate", Table::Align::kLeft}, {"distance"}, {"NCD"}, {"C(c)"}, {"C(q|c)"}, {"C(c|q)"}});
  for (size_t i = 0; i < results.size(); ++i) {
    const Distance& d = results[i].d;
    t.add_row({std::to_string(i + 1), results[i].name, fmt(d.nid, 4), fmt(d.ncd, 4), fmt(d.cy, 1), fmt(d.cx_given_y, 1),
               fmt(d.cy_given_x, 1)});
  }
  std::printf("query: %s (C = %.1f bits), model: %s, context %u tokens\n%s", qname.c_str(), cx, mname.c_str(),
              effective_context(m, a.context), t.to_text().c_str());
  return rc;
}

}  // namespace llmzip::cli
