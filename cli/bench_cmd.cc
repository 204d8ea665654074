// Placeholder until the measuring commands land (issue #6).
#include "cli/commands.h"

namespace llmzip::cli {

int run_bench(const Args&) {
  return report(Status(ErrorCode::kUnsupported, "this command is not implemented yet"));
}

}  // namespace llmzip::cli
