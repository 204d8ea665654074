// Files written by earlier llmzip versions still decode bit-exactly
// (docs/format.md section 11): every codec/testdata/<name>.llmz decodes, with
// the built-in model, to the committed codec/testdata/<name>.txt. The files
// and how they were made are listed in codec/testdata/README.md; a new format
// version adds files here and never changes old ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "codec/codec.h"
#include "testing/testutil.h"
#include "container/reader.h"

namespace llmzip::codec {
namespace {

const std::string kDir = LLMZIP_CODEC_TESTDATA;

std::vector<std::string> golden_names() {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(kDir))
    if (e.path().extension() == ".llmz") names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

class GoldenFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto m = load_model("");
    ASSERT_TRUE(m.is_ok()) << m.status().to_string();
    model_ = std::move(m).value().release();
  }
  static void TearDownTestSuite() {
    delete model_;
    model_ = nullptr;
  }
  static LoadedModel* model_;
};
LoadedModel* GoldenFiles::model_ = nullptr;

// The set is the one README.md lists: a missing file is a failure, not a skip.
TEST_F(GoldenFiles, TheListedFilesArePresent) {
  const std::vector<std::string> want = {"v1_ac_adaptive", "v1_ac_pure",    "v1_empty_adaptive", "v1_rank-zlib_adaptive",
                                         "v1_tbyt_pure",   "v2_binary",     "v2_mixed",          "v2_pure",
                                         "v3_binary",      "v3_n3_pure",    "v3_n3_text"};
  const auto names = golden_names();
  for (const std::string& w : want) EXPECT_NE(std::find(names.begin(), names.end(), w), names.end()) << w;
}

TEST_F(GoldenFiles, DecodeToTheCommittedOriginals) {
  for (const std::string& name : golden_names()) {
    SCOPED_TRACE(name);
    const std::string llmz = testutil::read_file(kDir + "/" + name + ".llmz");
    const std::string want = testutil::read_file(kDir + "/" + name + ".txt");
    // The version the name promises ("v1_..." files are format version 1).
    const uint16_t version = uint16_t(uint8_t(llmz.at(8)) | uint8_t(llmz.at(9)) << 8);
    EXPECT_EQ("v" + std::to_string(version), name.substr(0, name.find('_')));
    for (int threads : {1, 2}) {
      MemorySource src(llmz, name + ".llmz");
      MemorySink sink;
      Params p;
      p.threads = threads;
      Status s = decompress(*model_, src, sink, p);
      ASSERT_TRUE(s.is_ok()) << s.to_string();
      EXPECT_TRUE(sink.data == want) << "decoded " << sink.data.size() << " bytes, want " << want.size();
    }
  }
}

}  // namespace
}  // namespace llmzip::codec
