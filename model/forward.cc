// The batched multi-sequence forward pass. Every step is either per token
// (norms, rope, residual adds: independent of the rest of the batch), a matmul
// (one dot product per output, threaded over rows), or attention of one
// (token, head) over the keys 0..pos of its own slot in position order — so a
// token's numbers never depend on what else is in the batch.
#include <algorithm>
#include <cassert>
#include <cstring>
#include <string>

#include "model/model.h"
#include "ops/fp16.h"
#include "ops/kernels.h"

namespace llmzip::model {

struct Model::Workspace {
  std::vector<float> x, xn, q, k, v, attn, ffn_g, ffn_u, tmp;
  std::vector<float> rope_cs;              // [n][rope_dim]
  std::vector<std::vector<float>> scratch;  // per thread, 4 * (n_ctx + 3) floats
  std::vector<std::pair<int, int>> attn_runs;  // (first batch entry, length <= 4)
  std::vector<int32_t> want;                // batch indices with want_logits
  ops::ActBatch acts;

  void reserve(const ModelConfig& c, int n) {
    auto grow = [](std::vector<float>& v, size_t sz) {
      if (v.size() < sz) v.resize(sz);
    };
    const size_t N = static_cast<size_t>(n);
    grow(x, N * c.n_embd);
    grow(xn, N * c.n_embd);
    grow(q, N * c.q_dim());
    grow(k, N * c.kv_dim());
    grow(v, N * c.kv_dim());
    grow(attn, N * c.q_dim());
    grow(ffn_g, N * c.n_ff);
    grow(ffn_u, N * c.n_ff);
    grow(tmp, N * c.n_embd);
    grow(rope_cs, N * c.rope_dim);
  }
};

Model::Model() = default;
Model::~Model() = default;

namespace {

void add_bias(float* y, const std::vector<float>& b, int n_tok, int dim) {
  if (b.empty()) return;
  for (int t = 0; t < n_tok; ++t) {
    float* row = y + static_cast<size_t>(t) * dim;
    for (int i = 0; i < dim; ++i) row[i] = row[i] + b[i];
  }
}

}  // namespace

void Model::run_layer(int il, int n, const BatchEntry* batch, KvCache& cache, ThreadPool& pool,
                      Workspace& ws) const {
  const ModelConfig& c = cfg_;
  const LayerWeights& lw = layers_[il];
  const ops::Kernels& kr = ops::kernels();
  const int E = c.n_embd, QD = c.q_dim(), KD = c.kv_dim(), HD = c.head_dim;
  const bool f16 = cache.type() == KvType::kF16;
  const bool q8 = cache.type() == KvType::kQ8;

  // Attention block.
  pool.parallel_for(n, [&](size_t b, size_t e, int) {
    for (size_t t = b; t < e; ++t) kr.rmsnorm(&ws.x[t * E], lw.attn_norm.data(), E, c.rms_eps, &ws.xn[t * E]);
  });
  ws.acts.set(ws.xn.data(), n, E);
  const ops::MatmulJob qkv[] = {{&lw.wq, ws.q.data(), static_cast<size_t>(QD)},
                                {&lw.wk, ws.k.data(), static_cast<size_t>(KD)},
                                {&lw.wv, ws.v.data(), static_cast<size_t>(KD)}};
  ops::matmul_multi(qkv, ws.acts, pool);
  add_bias(ws.q.data(), lw.bq, n, QD);
  add_bias(ws.k.data(), lw.bk, n, KD);
  add_bias(ws.v.data(), lw.bv, n, KD);
  pool.parallel_for(n, [&](size_t b, size_t e, int) {
    for (size_t t = b; t < e; ++t) {
      const float* cs = &ws.rope_cs[t * c.rope_dim];
      rope_->apply(&ws.q[t * QD], c.n_head, HD, cs);
      rope_->apply(&ws.k[t * KD], c.n_head_kv, HD, cs);
      const BatchEntry& be = batch[t];
      // Each head's row for this position (the cache is head-major).
      const size_t row = static_cast<size_t>(be.pos) * HD;
      for (int h = 0; h < c.n_head_kv; ++h) {
        const size_t src = t * KD + static_cast<size_t>(h) * HD;
        if (q8) {
          // Q8_0 rows (kernels.h attention_q8): keys as bytes + 128, values as int8.
          const size_t srow = static_cast<size_t>(be.pos) * (HD / 32);
          uint8_t* kq = cache.k<uint8_t>(il, be.slot, h) + row;
          kr.quantize_q8_0(&ws.k[src], HD, reinterpret_cast<int8_t*>(kq), cache.k_scales(il, be.slot, h) + srow);
          for (int i = 0; i < HD; ++i) kq[i] = static_cast<uint8_t>(kq[i] ^ 0x80u);
          kr.quantize_q8_0(&ws.v[src], HD, reinterpret_cast<int8_t*>(cache.v<uint8_t>(il, be.slot, h) + row),
                           cache.v_scales(il, be.slot, h) + srow);
        } else if (f16) {
          kr.to_f16_saturated(&ws.k[src], HD, cache.k<uint16_t>(il, be.slot, h) + row);
          kr.to_f16_saturated(&ws.v[src], HD, cache.v<uint16_t>(il, be.slot, h) + row);
        } else {
          std::memcpy(cache.k<float>(il, be.slot, h) + row, &ws.k[src], sizeof(float) * HD);
          std::memcpy(cache.v<float>(il, be.slot, h) + row, &ws.v[src], sizeof(float) * HD);
        }
      }
    }
  });
  const int group = c.n_head / c.n_head_kv;
  // Work items: (run of up to four consecutive positions of one sequence, KV
  // head, up to four of its query heads). A run of four goes to attention4 per
  // head (K and V loaded once for the four positions); shorter runs go to
  // attention_heads per position when query heads share the KV head (K and V
  // loaded once for the heads). The same bits as one attention call per query.
  const int per_item = std::min(group, 4);
  const int chunks = (group + per_item - 1) / per_item;
  const size_t items_per_run = static_cast<size_t>(c.n_head_kv) * chunks;
  const std::vector<std::pair<int, int>>& runs = ws.attn_runs;
  pool.parallel_for(runs.size() * items_per_run, [&](size_t b, size_t e, int thread) {
    float* scratch = ws.scratch[thread].data();
    for (size_t i = b; i < e; ++i) {
      // Item order alternates between the two ends of the batch, so that the
      // contiguous chunks the threads get carry similar causal work (a frame's
      // late tokens attend to many more keys than its early ones).
      const size_t r = i / items_per_run;
      const std::pair<int, int>& run = runs[r % 2 == 0 ? r / 2 : runs.size() - 1 - r / 2];
      const int t0 = run.first, count = run.second;
      const int kvh = static_cast<int>(i % items_per_run) / chunks;
      const int h0 = kvh * group + (static_cast<int>(i % items_per_run) % chunks) * per_item;
      const int nh = std::min(per_item, (kvh + 1) * group - h0);
      const BatchEntry& be = batch[t0];
      // Head kvh's keys and values: contiguous rows of HD, F32 or F16 with the
      // kernels for that cache.
      auto attend = [&](const auto* k, const auto* v, auto attention4, auto attention_heads, auto attention) {
        auto four = [&](int h) {
          return attention4(&ws.q[size_t(t0) * QD + h * HD], QD, k, v, HD, be.pos + 1, HD, attn_scale_, scratch,
                            &ws.attn[size_t(t0) * QD + h * HD], QD);
        };
        // A kernel declines a head size, never one head of several.
        if (count == 4 && attention4 && four(h0)) {
          for (int h = h0 + 1; h < h0 + nh; ++h) {
            [[maybe_unused]] const bool ok = four(h);
            assert(ok);
          }
          return;
        }
        for (int t = t0; t < t0 + count; ++t) {
          const float* q = &ws.q[size_t(t) * QD];
          float* out = &ws.attn[size_t(t) * QD];
          if (nh > 1 && attention_heads &&
              attention_heads(q + h0 * HD, HD, nh, k, v, HD, batch[t].pos + 1, HD, attn_scale_, scratch,
                              out + h0 * HD, HD))
            continue;
          for (int h = h0; h < h0 + nh; ++h)
            attention(q + h * HD, k, v, HD, batch[t].pos + 1, HD, attn_scale_, scratch, out + h * HD);
        }
      };
      if (q8) {
        // Four positions at once where the level has attention4_q8, else one query at a time.
        const uint8_t* k = cache.k<uint8_t>(il, be.slot, kvh);
        const int8_t* v = reinterpret_cast<const int8_t*>(cache.v<uint8_t>(il, be.slot, kvh));
        const float* kd = cache.k_scales(il, be.slot, kvh);
        const float* vd = cache.v_scales(il, be.slot, kvh);
        bool done = false;
        if (count == 4 && kr.attention4_q8) {
          done = true;
          for (int h = h0; h < h0 + nh && done; ++h) {
            done = kr.attention4_q8(&ws.q[size_t(t0) * QD + h * HD], QD, k, kd, v, vd, be.pos + 1, HD, attn_scale_,
                                    scratch, &ws.attn[size_t(t0) * QD + h * HD], QD);
          }
        }
        for (int t = t0; t < t0 + count && !done; ++t) {
          for (int h = h0; h < h0 + nh; ++h) {
            kr.attention_q8(&ws.q[size_t(t) * QD + h * HD], k, kd, v, vd, batch[t].pos + 1, HD, attn_scale_, scratch,
                            &ws.attn[size_t(t) * QD + h * HD]);
          }
        }
      } else if (f16) {
        attend(cache.k<uint16_t>(il, be.slot, kvh), cache.v<uint16_t>(il, be.slot, kvh), kr.attention4_f16,
               kr.attention_heads_f16, kr.attention_f16);
      } else {
        attend(cache.k<float>(il, be.slot, kvh), cache.v<float>(il, be.slot, kvh), kr.attention4, kr.attention_heads,
               kr.attention);
      }
    }
  });
  ws.acts.set(ws.attn.data(), n, QD);
  ops::matmul(lw.wo, ws.acts, ws.tmp.data(), E, pool);
  for (size_t i = 0; i < static_cast<size_t>(n) * E; ++i) ws.x[i] = ws.x[i] + ws.tmp[i];

  // Feed-forward block (SwiGLU).
  pool.parallel_for(n, [&](size_t b, size_t e, int) {
    for (size_t t = b; t < e; ++t) kr.rmsnorm(&ws.x[t * E], lw.ffn_norm.data(), E, c.rms_eps, &ws.xn[t * E]);
  });
  ws.acts.set(ws.xn.data(), n, E);
  const ops::MatmulJob gate_up[] = {{&lw.w_gate, ws.ffn_g.data(), static_cast<size_t>(c.n_ff)},
                                    {&lw.w_up, ws.ffn_u.data(), static_cast<size_t>(c.n_ff)}};
  ops::matmul_multi(gate_up, ws.acts, pool);
  pool.parallel_for(n, [&](size_t b, size_t e, int) {
    for (size_t t = b; t < e; ++t) {
      kr.silu_mul(&ws.ffn_g[t * c.n_ff], &ws.ffn_u[t * c.n_ff], c.n_ff, &ws.ffn_g[t * c.n_ff]);
    }
  });
  ws.acts.set(ws.ffn_g.data(), n, c.n_ff);
  ops::matmul(lw.w_down, ws.acts, ws.tmp.data(), E, pool);
  for (size_t i = 0; i < static_cast<size_t>(n) * E; ++i) ws.x[i] = ws.x[i] + ws.tmp[i];
}

Status Model::forward(std::span<const BatchEntry> batch, KvCache& cache, ThreadPool& pool, float* logits) const {
  const ModelConfig& c = cfg_;
  if (cache.kv_dim() != c.kv_dim()) {
    return Status(ErrorCode::kInvalidArgument, "KV cache was made for another model");
  }
  // Validate the whole batch before touching anything.
  std::vector<int> len(cache.n_slots());
  for (int s = 0; s < cache.n_slots(); ++s) len[s] = cache.length(s);
  for (size_t i = 0; i < batch.size(); ++i) {
    const BatchEntry& e = batch[i];
    auto fail = [&](const std::string& what) {
      return Status(ErrorCode::kInvalidArgument, "batch entry " + std::to_string(i) + ": " + what);
    };
    if (e.token < 0 || e.token >= c.n_vocab) {
      return fail("token " + std::to_string(e.token) + " outside [0, " + std::to_string(c.n_vocab) + ")");
    }
    if (e.slot < 0 || e.slot >= cache.n_slots()) {
      return fail("slot " + std::to_string(e.slot) + " outside [0, " + std::to_string(cache.n_slots()) + ")");
    }
    if (e.pos >= cache.n_ctx()) {
      return fail("position " + std::to_string(e.pos) + " beyond the cache context " +
                  std::to_string(cache.n_ctx()));
    }
    if (e.pos != len[e.slot]) {
      return fail("position " + std::to_string(e.pos) + " of slot " + std::to_string(e.slot) +
                  " does not continue the sequence (expected " + std::to_string(len[e.slot]) + ")");
    }
    len[e.slot] = e.pos + 1;
  }
  if (batch.empty()) return Status::ok();
  if (logits == nullptr) {
    for (const BatchEntry& e : batch) {
      if (e.want_logits) return Status(ErrorCode::kInvalidArgument, "logits wanted but no output buffer given");
    }
  }

  std::lock_guard<std::mutex> lock(mu_);
  if (!ws_) ws_ = std::make_unique<Workspace>();
  Workspace& ws = *ws_;
  const int n = static_cast<int>(batch.size());
  ws.reserve(c, n);
  if (static_cast<int>(ws.scratch.size()) < pool.size()) ws.scratch.resize(pool.size());
  for (auto& s : ws.scratch) {
    if (s.size() < 4 * static_cast<size_t>(cache.n_ctx() + 3)) s.resize(4 * static_cast<size_t>(cache.n_ctx() + 3));
  }
  // Runs of consecutive positions of one sequence, at most four long, for attention.
  ws.attn_runs.clear();
  for (int t = 0; t < n;) {
    int len = 1;
    while (len < 4 && t + len < n && batch[t + len].slot == batch[t].slot && batch[t + len].pos == batch[t].pos + len)
      ++len;
    ws.attn_runs.emplace_back(t, len);
    t += len;
  }

  const int E = c.n_embd;
  pool.parallel_for(n, [&](size_t b, size_t e, int) {
    for (size_t t = b; t < e; ++t) {
      ops::dequantize_row(tok_embd_, batch[t].token, &ws.x[t * E]);
      rope_->angles(batch[t].pos, &ws.rope_cs[t * c.rope_dim]);
    }
  });
  for (int il = 0; il < c.n_layer; ++il) run_layer(il, n, batch.data(), cache, pool, ws);
  for (int s = 0; s < cache.n_slots(); ++s) cache.set_length(s, len[s]);

  ws.want.clear();
  for (int t = 0; t < n; ++t) {
    if (batch[t].want_logits) ws.want.push_back(t);
  }
  const int nw = static_cast<int>(ws.want.size());
  if (nw == 0) return Status::ok();
  const ops::Kernels& kr = ops::kernels();
  pool.parallel_for(nw, [&](size_t b, size_t e, int) {
    for (size_t i = b; i < e; ++i) {
      kr.rmsnorm(&ws.x[static_cast<size_t>(ws.want[i]) * E], output_norm_.data(), E, c.rms_eps, &ws.xn[i * E]);
    }
  });
  ws.acts.set(ws.xn.data(), nw, E);
  ops::matmul(output_, ws.acts, logits, c.n_vocab, pool);
  return Status::ok();
}

}  // namespace llmzip::model
