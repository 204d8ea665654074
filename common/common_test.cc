#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "common/sha256.h"
#include "common/status.h"
#include "common/thread_pool.h"

namespace llmzip {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(Sha256::hex(Sha256::hash("", 0)),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256::hex(Sha256::hash("abc", 3)),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  EXPECT_EQ(Sha256::hex(Sha256::hash(m.data(), m.size())),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha256::hex(Sha256::hash("abc", 3), 8), "ba7816bf8f01cfea");  // a prefix, as messages show
  EXPECT_EQ(Sha256::hex(Sha256::hash("abc", 3), 0), "");
  EXPECT_EQ(hex_string(std::string("\x00\x7f\x80\xff", 4)), "007f80ff");
}

TEST(Sha256, IncrementalEqualsOneShot) {
  std::string s(1000, '\0');
  for (size_t i = 0; i < s.size(); ++i) s[i] = char(i * 7 + 3);
  Sha256 h;
  for (size_t i = 0; i < s.size(); i += 13) h.update(s.data() + i, std::min<size_t>(13, s.size() - i));
  EXPECT_EQ(h.finish(), Sha256::hash(s.data(), s.size()));
}

TEST(Status, CodesAndMessages) {
  Status ok;
  EXPECT_TRUE(ok.is_ok());
  Status bad(ErrorCode::kTruncated, "x.gguf: offset 12: expected 8 bytes");
  EXPECT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.to_string(), "truncated: x.gguf: offset 12: expected 8 bytes");
  Result<int> r = 5;
  EXPECT_EQ(*r, 5);
  Result<int> e = Status(ErrorCode::kIo, "nope");
  EXPECT_FALSE(e.is_ok());
  EXPECT_EQ(e.status().code(), ErrorCode::kIo);
}

TEST(Status, WithContextPrefixesOnce) {
  const Status inner(ErrorCode::kCorrupt, "bad token count");
  const Status outer = with_context(inner, "a.llmz: frame 3 at byte 120");
  EXPECT_EQ(outer.code(), ErrorCode::kCorrupt);
  EXPECT_EQ(outer.message(), "a.llmz: frame 3 at byte 120: bad token count");
  EXPECT_EQ(with_context(outer, "a.llmz").message(), outer.message());  // already names it
  EXPECT_EQ(with_context(outer, "b.llmz").message(), "b.llmz: " + outer.message());
  EXPECT_TRUE(with_context(Status::ok(), "a.llmz").is_ok());
}

TEST(Status, PrintableEscapesEverythingATerminalWouldObey) {
  EXPECT_EQ(printable("plain ASCII, ü, 日本, 🙂"), "plain ASCII, ü, 日本, 🙂");
  EXPECT_EQ(printable("\x1b[31mred\x07\n\t\x7f"), "\\x1b[31mred\\x07\\x0a\\x09\\x7f");
  EXPECT_EQ(printable("\xc2\x9b" "2J"), "\\xc2\\x9b2J");  // U+009B, the 8-bit CSI
  EXPECT_EQ(printable("\x9b" "2J"), "\\x9b2J");          // a lone CSI byte
  EXPECT_EQ(printable("\xe6\x97"), "\\xe6\\x97");        // truncated sequence
  EXPECT_EQ(printable("\xc0\xaf"), "\\xc0\\xaf");        // overlong
  EXPECT_EQ(printable("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate
  EXPECT_EQ(printable(std::string("a\0b", 3)), "a\\x00b");
}

TEST(ThreadPool, CoversEveryIndexOnce) {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    for (size_t n : {0u, 1u, 2u, 7u, 100u}) {
      std::vector<std::atomic<int>> hits(n);
      pool.parallel_for(n, [&](size_t b, size_t e, int) {
        for (size_t i = b; i < e; ++i) hits[i]++;
      });
      for (size_t i = 0; i < n; ++i) EXPECT_EQ(hits[i].load(), 1) << threads << " " << n << " " << i;
    }
  }
}

// The reported error is the lowest failing index's, whatever the thread count.
TEST(ThreadPool, ParallelForStatusReportsTheLowestFailure) {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    std::vector<std::atomic<int>> hits(200);
    Status st = pool.parallel_for_status(200, [&](size_t i, int) {
      hits[i]++;
      if (i == 37 || i == 150) return Status(ErrorCode::kCorrupt, "bad " + std::to_string(i));
      return Status::ok();
    });
    EXPECT_EQ(st.code(), ErrorCode::kCorrupt) << threads;
    EXPECT_EQ(st.message(), "bad 37") << threads;
    EXPECT_EQ(hits[37].load(), 1);
    EXPECT_TRUE(pool.parallel_for_status(50, [](size_t, int) { return Status::ok(); }).is_ok());
  }
}

}  // namespace llmzip
