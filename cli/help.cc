#include "cli/help.h"

#include <cstdio>
#include <sstream>
#include <vector>

namespace llmzip::cli {
namespace {

constexpr const char* kIntro =
    "Lossless compression with a language model as the predictor: the model predicts each next token and a "
    "range coder spends about -log2 p bits on the token that comes. Any Llama-family GGUF model works; a small "
    "model is built in. Inputs are kept, outputs never replace an existing file without -f, and a file "
    "compressed on one machine decompresses on any other.";

constexpr const char* kExitStatus =
    "0 on success, 1 on any error (files that -r skips are not errors), 130 on SIGINT. "
    "Errors are one line naming the file and the cause; with --json they are part of the JSON document, each "
    "with its stable code (io, bad_magic, truncated, corrupt, checksum_mismatch, model_mismatch, exists, ...).";

bool applies(const OptionDef& o, Command c) { return o.commands & cmd_bit(c); }

// Word-wraps `text` to `width` columns, each line prefixed by `indent` spaces.
std::string wrap(std::string_view text, size_t indent, size_t width = 79) {
  std::string out, line;
  std::istringstream in{std::string(text)};
  std::string word;
  while (in >> word) {
    if (!line.empty() && indent + line.size() + 1 + word.size() > width) {
      out += std::string(indent, ' ') + line + "\n";
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty()) out += std::string(indent, ' ') + line + "\n";
  return out;
}

// "  -d, --decompress     help text", the help wrapped under column 25.
std::string option_line(const OptionDef& o) {
  std::string spell = option_spelling(o);
  std::string head = "  " + (o.short_name || o.id == Opt::kLevel ? spell : "    " + spell);
  std::string wrapped = wrap(o.help, 25);
  if (head.size() < 24) return head + std::string(25 - head.size(), ' ') + wrapped.substr(25);
  return head + "\n" + wrapped;
}

std::string level_table_text() {
  std::string s = "Levels (what -1..-19 set; the default is -9):\n  level  context  frame bytes  adapt\n";
  for (int l = kMinLevel; l <= kMaxLevel; ++l) {
    const LevelSettings& v = level_settings(l);
    char b[96];
    std::snprintf(b, sizeof b, "  %5d  %7s  %11s  %s\n", l, v.context ? std::to_string(v.context).c_str() : "default",
                  v.frame_bytes ? std::to_string(v.frame_bytes).c_str() : "default", v.adapt ? "on" : "off");
    s += b;
  }
  return s;
}

// roff: escapes backslashes and dashes; a leading . or ' would be a request.
std::string roff(std::string_view s) {
  std::string o;
  for (char c : s) {
    if (c == '\\') o += "\\\\";
    else if (c == '-') o += "\\-";
    else o += c;
  }
  if (!o.empty() && (o[0] == '.' || o[0] == '\'')) o = "\\&" + o;
  return o;
}

std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out(1);
  for (char c : s) {
    if (c == sep) out.emplace_back();
    else if (c != '\r') out.back() += c;
  }
  return out;
}

}  // namespace

std::string usage_text() {
  std::string s = "Usage: llmzip [COMMAND] [OPTIONS] [FILE...]\n\n" + wrap(kIntro, 0) + "\n" +
                  wrap("With no FILE, or when FILE is -, reads standard input and writes standard output.", 0) +
                  "\nCommands (a command word anywhere on the line, or its flag):\n";
  for (const auto& c : command_table()) {
    char b[64];
    std::snprintf(b, sizeof b, "  %-10s %-3s ", c.word, c.flag ? c.flag : "");
    s += b + wrap(c.summary, 17).substr(17);
  }
  s += "\nOptions (llmzip help COMMAND lists the options of one command):\n";
  for (const auto& o : option_table()) s += option_line(o);
  s += "\n" + level_table_text();
  s += "\nExit status:\n" + wrap(kExitStatus, 2);
  return s;
}

std::string command_help(Command c) {
  const CommandDef& d = command_def(c);
  std::string s = "Usage: llmzip " + std::string(d.word) + (d.synopsis[0] ? " " : "") + d.synopsis + "\n";
  if (d.flag) s += "   or: llmzip " + std::string(d.flag) + (d.synopsis[0] ? " " : "") + d.synopsis + "\n";
  s += "\n" + wrap(d.summary, 0);
  if (d.details) s += "\n" + wrap(d.details, 0);
  s += "\nOptions:\n";
  for (const auto& o : option_table())
    if (applies(o, c)) s += option_line(o);
  if (c == Command::kCompress) s += "\n" + level_table_text();
  return s;
}

std::string man_page(std::string_view levels_csv) {
  std::string m;
  m += ".\\\" Generated from cli/args.cc by cli/gen_docs.cc: build/cli/llmzip_docs man bench/levels.csv\n";
  m += ".TH LLMZIP 1 \"\" \"llmzip\" \"User Commands\"\n";
  m += ".SH NAME\nllmzip \\- lossless compression with a language model\n";
  m += ".SH SYNOPSIS\n.B llmzip\n[\\fICOMMAND\\fR] [\\fIOPTIONS\\fR] [\\fIFILE\\fR...]\n";
  m += ".SH DESCRIPTION\n" + roff(kIntro) + "\n.PP\n" +
       roff("With no FILE, or when FILE is -, llmzip reads standard input and writes standard output. A command "
            "is a word anywhere on the line (llmzip -v test a.llmz) or its flag; a file named like a command goes "
            "after --.") + "\n";
  m += ".SH COMMANDS\n";
  for (const auto& c : command_table()) {
    m += ".TP\n.B " + roff(c.word) + (c.flag ? " \\fR(\\fB" + roff(c.flag) + "\\fR)" : std::string()) + " " +
         roff(c.synopsis) + "\n" + roff(c.summary) + (c.details ? ". " + roff(c.details) : std::string(".")) + "\n";
  }
  m += ".SH OPTIONS\n";
  for (const auto& o : option_table()) {
    std::string cmds;
    if (o.commands != ~0u)
      for (const auto& c : command_table())
        if (applies(o, c.command)) cmds += (cmds.empty() ? "" : ", ") + std::string(c.word);
    m += ".TP\n.B " + roff(option_spelling(o)) + "\n" + roff(o.help) + "." +
         (cmds.empty() ? std::string() : " \\fI(" + roff(cmds) + ")\\fR") + "\n";
  }
  m += ".SH LEVELS\n" +
       roff("Each level sets the context length, the frame size and whether the adaptive predictor runs; "
            "--context, --frame-bytes and --adapt/--no-adapt given with a level override it. More context "
            "and larger frames compress better and run slower; larger frames also decompress with less "
            "parallelism.") + "\n";
  // Measurements per level and file: bench/levels.csv (bench/levels.sh).
  std::vector<std::string> files;
  std::vector<std::vector<std::string>> rows;
  if (!levels_csv.empty()) {
    auto lines = split(levels_csv, '\n');
    for (size_t i = 1; i < lines.size(); ++i) {
      if (lines[i].empty()) continue;
      auto f = split(lines[i], ',');
      if (f.size() < 8) continue;
      rows.push_back(f);
      bool seen = false;
      for (const auto& x : files) seen |= x == f[1];
      if (!seen) files.push_back(f[1]);
    }
    m += ".PP\n" +
         roff("Measured with the built-in model, one thread (bench/levels.sh; bits per byte, and input KiB per "
              "CPU second compressing / decompressing):") + "\n";
  }
  m += ".PP\n.nf\n.ft CR\n";
  std::string head1 = "                           ", head2 = "level context  frame adapt";
  for (const auto& f : files) {
    char c[64];
    std::snprintf(c, sizeof c, "  %-20s", f.c_str());
    head1 += c;
    head2 += "  bits/byte  KiB/s c/d";
  }
  if (!files.empty()) m += roff(head1) + "\n";
  m += roff(head2) + "\n";
  for (int l = kMinLevel; l <= kMaxLevel; ++l) {
    const LevelSettings& v = level_settings(l);
    char b[96];
    std::snprintf(b, sizeof b, "%5d %7s %6s %5s", l, v.context ? std::to_string(v.context).c_str() : "def",
                  v.frame_bytes ? (std::to_string(v.frame_bytes / 1024) + "K").c_str() : "def", v.adapt ? "on" : "off");
    std::string line = b;
    for (const auto& f : files) {
      std::string bpb = "-", speed = "-";
      for (const auto& r : rows) {
        // level,file,bytes,compressed,bits_per_byte,compress_kib_s,decompress_kib_s,round_trip
        if (r[0] != std::to_string(l) || r[1] != f) continue;
        bpb = r[4];
        speed = r[5] + "/" + r[6];
      }
      char c[64];
      std::snprintf(c, sizeof c, "  %9s  %9s", bpb.c_str(), speed.c_str());
      line += c;
    }
    m += roff(line) + "\n";
  }
  m += ".ft R\n.fi\n";
  m += ".SH EXIT STATUS\n" + roff(kExitStatus) + "\n";
  m += ".SH ENVIRONMENT\n.TP\n.B LLMZIP_MODEL\n" +
       roff("the GGUF model used when -m is not given (else the built-in model).") + "\n";
  m += ".SH EXAMPLES\n.nf\n" +
       roff("llmzip book.txt                  # -> book.txt.llmz\n"
            "llmzip -d book.txt.llmz          # -> book.txt\n"
            "llmzip -19 -T0 -r docs/          # every file below docs/, strongest level, all cores\n"
            "llmzip -l *.llmz                 # one row per file and a total\n"
            "llmzip -t book.txt.llmz          # full check, writes nothing\n"
            "llmzip -dcf maybe.llmz | less    # decompress, or pass plain text through\n"
            "llmzip score --html page.html book.txt") +
       "\n.fi\n";
  m += ".SH SEE ALSO\n.BR gzip (1),\n.BR xz (1),\n.BR zstd (1)\n";
  return m;
}

std::string bash_completion() {
  std::string words, all;
  for (const auto& c : command_table()) words += (words.empty() ? "" : " ") + std::string(c.word);
  std::string s =
      "# bash completion for llmzip. Generated from cli/args.cc by cli/gen_docs.cc: build/cli/llmzip_docs bash\n"
      "_llmzip() {\n"
      "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd=compress w\n"
      "  for w in \"${COMP_WORDS[@]:1:COMP_CWORD-1}\"; do\n"
      "    case $w in\n";
  for (const auto& c : command_table()) {
    std::string pat = c.word;
    if (c.flag) pat += std::string("|") + c.flag;
    if (c.command == Command::kDecompress) pat += "|--decompress|--uncompress|-d?*";
    if (c.command == Command::kTest) pat += "|--test";
    if (c.command == Command::kList) pat += "|--list";
    if (c.command == Command::kHelp || c.command == Command::kVersion) continue;
    s += "      " + pat + ") cmd=" + c.word + " ;;\n";
  }
  s += "      --) break ;;\n    esac\n  done\n  case $prev in\n";
  std::string file_opts, value_opts;
  for (const auto& o : option_table()) {
    if (!o.value) continue;
    std::string pat;
    if (o.short_name) pat += std::string("-") + o.short_name;
    if (o.long_name) pat += (pat.empty() ? "--" : "|--") + std::string(o.long_name);
    if (std::string_view(o.value) == "FILE") file_opts += (file_opts.empty() ? "" : "|") + pat;
    else if (o.id != Opt::kMethod) value_opts += (value_opts.empty() ? "" : "|") + pat;
  }
  s += "    " + file_opts + ") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n";
  s += "    --method) COMPREPLY=($(compgen -W \"ac rank-zlib tbyt\" -- \"$cur\")); return ;;\n";
  s += "    " + value_opts + ") return ;;\n  esac\n  local opts\n  case $cmd in\n";
  for (const auto& c : command_table()) {
    if (c.command == Command::kHelp || c.command == Command::kVersion) continue;
    std::string opts;
    for (const auto& o : option_table()) {
      if (!applies(o, c.command) || o.id == Opt::kLevel) continue;
      if (o.short_name) opts += (opts.empty() ? "-" : " -") + std::string(1, o.short_name);
      if (o.long_name) opts += (opts.empty() ? "--" : " --") + std::string(o.long_name);
    }
    s += "    " + std::string(c.word) + ") opts=\"" + opts + "\" ;;\n";
  }
  s += "  esac\n"
       "  if [[ $cur == -* ]]; then\n"
       "    COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
       "  else\n"
       "    COMPREPLY=($(compgen -W \"" + words + "\" -- \"$cur\") $(compgen -f -- \"$cur\"))\n"
       "  fi\n"
       "}\n"
       "complete -o filenames -F _llmzip llmzip\n";
  return s;
}

}  // namespace llmzip::cli
