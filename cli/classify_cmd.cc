// `llmzip classify EXAMPLES QUERY...`: few-shot classification by information
// distance (cli/measure_classify.h). EXAMPLES is a folder with one folder per
// class, each holding that class's example files (regular files; names
// starting with '.' are skipped). Classes and examples are taken in name order.
#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/measure_classify.h"
#include "cli/measure_io.h"
#include "cli/measure_table.h"

namespace llmzip::cli {
namespace {

// Names in `dir` (without . entries), sorted.
Result<std::vector<std::string>> list_dir(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (!d) return Status(ErrorCode::kIo, dir + ": cannot open folder: " + std::strerror(errno));
  std::vector<std::string> names;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') names.push_back(e->d_name);
  closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

bool is_kind(const std::string& path, mode_t kind) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && (st.st_mode & S_IFMT) == kind;
}

Result<std::vector<Example>> read_examples(const std::string& dir) {
  auto classes = list_dir(dir);
  if (!classes) return classes.status();
  std::vector<Example> ex;
  for (const std::string& c : *classes) {
    const std::string cdir = dir + "/" + c;
    if (!is_kind(cdir, S_IFDIR)) continue;
    auto files = list_dir(cdir);
    if (!files) return files.status();
    for (const std::string& f : *files) {
      const std::string path = cdir + "/" + f;
      if (!is_kind(path, S_IFREG)) continue;
      auto text = read_input(path);
      if (!text) return text.status();
      ex.push_back({c, path, std::move(*text)});
    }
  }
  if (ex.empty())
    return Status(ErrorCode::kInvalidArgument,
                  dir + ": no examples (expected one folder per class, each holding example files)");
  return ex;
}

}  // namespace

int run_classify(const Args& a) {
  if (a.files.size() < 2)
    return report(Status(ErrorCode::kInvalidArgument,
                         "classify needs a folder of examples and at least one query: llmzip classify EXAMPLES QUERY..."));
  auto examples = read_examples(a.files[0]);
  if (!examples) return report(examples.status());
  auto model = codec::load_model(model_path(a));
  if (!model) return report(model.status());
  const codec::LoadedModel& m = **model;
  auto cls = Classifier::make(m, std::move(*examples), a.neighbours, score_options(a));
  if (!cls) return report(cls.status());

  struct Row {
    std::string query;
    Classification c;
  };
  std::vector<Row> rows;
  int rc = 0;
  for (size_t i = 1; i < a.files.size(); ++i) {
    const std::string shown = a.files[i] == "-" ? "<stdin>" : a.files[i];
    auto text = read_input(a.files[i]);
    if (!text) {
      rc = report(text.status());
      continue;
    }
    auto c = cls->classify(*text);
    if (!c) {
      rc = report(with_context(c.status(), shown));
      continue;
    }
    rows.push_back({shown, std::move(*c)});
  }

  const auto& ex = cls->examples();
  if (a.json) {
    std::string o = "{\"model\":" + json_string(m.name) + ",\"model_path\":" + json_string(m.path) + ",\"context\":" +
                    std::to_string(effective_context(m, a.context)) + ",\"neighbours\":" + std::to_string(cls->k()) +
                    ",\"examples\":" + std::to_string(ex.size()) + ",\"queries\":[";
    for (size_t r = 0; r < rows.size(); ++r) {
      const Classification& c = rows[r].c;
      o += std::string(r ? "," : "") + "{\"file\":" + json_string(rows[r].query) + ",\"class\":" + json_string(c.label) +
           ",\"classes\":[";
      for (size_t j = 0; j < c.classes.size(); ++j)
        o += std::string(j ? "," : "") + "{\"class\":" + json_string(c.classes[j].label) +
             ",\"votes\":" + std::to_string(c.classes[j].votes) + ",\"nearest\":" + fmt(c.classes[j].nearest, 6) + "}";
      o += "],\"neighbours\":[";
      for (size_t j = 0; j < c.neighbours.size() && j < cls->k(); ++j) {
        const Example& e = ex[c.neighbours[j].example];
        o += std::string(j ? "," : "") + "{\"file\":" + json_string(e.name) + ",\"class\":" + json_string(e.label) +
             ",\"distance\":" + fmt(c.neighbours[j].distance, 6) + "}";
      }
      o += "]}";
    }
    print_json(o + "]}");
    return rc;
  }
  if (a.verbosity == 0) {
    for (const Row& r : rows) std::printf("%s\t%s\n", r.query.c_str(), r.c.label.c_str());
    return rc;
  }
  Table t({{"query", Table::Align::kLeft}, {"class", Table::Align::kLeft}, {"distance"}, {"nearest example", Table::Align::kLeft}, {"runner-up", Table::Align::kLeft}, {"its distance"}});
  for (const Row& r : rows) {
    const Classification& c = r.c;
    const Neighbour& n0 = c.neighbours.front();
    const ClassScore* second = c.classes.size() > 1 ? &c.classes[1] : nullptr;
    t.add_row({r.query, c.label, fmt(c.classes[0].nearest, 4), ex[n0.example].name, second ? second->label : "-",
               second ? fmt(second->nearest, 4) : "-"});
  }
  std::vector<std::string> labels;
  for (const Example& e : ex) labels.push_back(e.label);
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  std::printf("%zu examples in %zu classes, k = %zu, model: %s\n%s", ex.size(), labels.size(), cls->k(),
              model_label(m, model_path(a)).c_str(), t.to_text().c_str());
  return rc;
}

}  // namespace llmzip::cli
