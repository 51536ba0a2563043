#include "bench_model.hpp"

#include "engine/checkpoint/llama2c.hpp"
#include "engine/local_model.hpp"

namespace reasonrec::bench {

nlohmann::json bench_model_config(const ModelShape& shape) {
  return {{"architectures", {"LlamaForCausalLM"}},
          {"model_type", "llama"},
          {"vocab_size", 512},
          {"hidden_size", shape.hidden},
          {"intermediate_size", shape.intermediate},
          {"num_hidden_layers", shape.layers},
          {"num_attention_heads", shape.heads},
          {"num_key_value_heads", shape.kv_heads},
          {"max_position_embeddings", 32768},
          {"rms_norm_eps", 1e-5},
          {"rope_theta", 10000.0},
          {"tie_word_embeddings", true},
          {"bos_token_id", 1},
          {"eos_token_id", 2}};
}

std::filesystem::path write_bench_model(const std::filesystem::path& dir,
                                        const std::filesystem::path& models_dir,
                                        const ModelShape& shape, std::uint64_t seed) {
  namespace fs = std::filesystem;
  // The converted stories260K checkpoint is only the tokenizer's carrier.
  const auto stories = models_dir / "stories260K";
  const auto converted = dir / "stories260K";
  engine::convert_llama2c(stories / "stories260K.bin", stories / "tok512.bin", converted);
  const auto model = dir / "model";
  engine::write_random_llama(model, bench_model_config(shape), seed);
  for (const char* file : {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"}) {
    if (fs::exists(converted / file)) {
      fs::copy_file(converted / file, model / file, fs::copy_options::overwrite_existing);
    }
  }
  return model;
}

}  // namespace reasonrec::bench
