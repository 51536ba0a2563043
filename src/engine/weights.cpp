#include "engine/weights.hpp"

#include <memory>

#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace reasonrec::engine {

namespace {

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

torch::Tensor to_tensor(const SafetensorsFile& file, const TensorView& view,
                        const std::vector<std::int64_t>& expected_shape) {
  if (view.shape != expected_shape) {
    throw InputError(file.path().string(), 0,
                     "tensor " + view.name + " has shape " + shape_text(view.shape) +
                         ", expected " + shape_text(expected_shape));
  }
  if (!is_floating(view.dtype)) {
    throw InputError(file.path().string(), 0,
                     "tensor " + view.name + " has dtype " + std::string(dtype_name(view.dtype)) +
                         "; weights must be F32, F16, BF16 or F64");
  }
  const auto options = torch::TensorOptions().dtype(torch::kFloat32);
  const auto address = reinterpret_cast<std::uintptr_t>(view.data.data());
  if (view.dtype == DType::F32 && address % alignof(float) == 0) {
    // The mapping is private copy-on-write, so handing torch a mutable pointer is safe; the
    // deleter's copy of keep_alive() keeps the file mapped for the tensor's lifetime.
    auto owner = file.keep_alive();
    void* data = const_cast<std::byte*>(view.data.data());
    return torch::from_blob(
        data, expected_shape, [owner](void*) mutable { owner.reset(); }, options);
  }
  torch::Tensor out = torch::empty(expected_shape, options);
  to_f32(view, std::span<float>(out.data_ptr<float>(), static_cast<std::size_t>(out.numel())));
  return out;
}

}  // namespace

torch::Tensor load_f32(const SafetensorsFile& file, std::string_view name,
                       std::vector<std::int64_t> expected_shape) {
  const TensorView* view = file.find(name);
  if (view == nullptr) {
    throw InputError(file.path().string(), 0, "tensor " + std::string(name) + " not found");
  }
  return to_tensor(file, *view, expected_shape);
}

torch::Tensor load_f32(const CheckpointDir& checkpoint, std::string_view name,
                       std::vector<std::int64_t> expected_shape) {
  const TensorView& view = checkpoint.tensor(name);  // InputError naming the file when absent
  return to_tensor(*checkpoint.file_of(name), view, expected_shape);
}

void save_tensors(const std::filesystem::path& file,
                  const std::vector<std::pair<std::string, torch::Tensor>>& tensors) {
  // Contiguous CPU float copies (or the tensors themselves when already so) that stay alive
  // while their bytes are written.
  std::vector<torch::Tensor> contiguous;
  std::vector<TensorToWrite> to_write;
  contiguous.reserve(tensors.size());
  to_write.reserve(tensors.size());
  for (const auto& [name, tensor] : tensors) {
    if (!tensor.is_floating_point()) {
      throw Error("save_checkpoint: tensor '" + name + "' is not floating point");
    }
    contiguous.push_back(tensor.detach().to(torch::kCPU).to(torch::kFloat32).contiguous());
    const torch::Tensor& cpu = contiguous.back();
    to_write.push_back(TensorToWrite{
        name, DType::F32, cpu.sizes().vec(),
        std::span<const std::byte>(static_cast<const std::byte*>(cpu.data_ptr()),
                                   static_cast<std::size_t>(cpu.numel()) * sizeof(float))});
  }
  write_safetensors(file, to_write, {{"format", "pt"}});
}

void save_checkpoint(const std::filesystem::path& dir,
                     const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                     const nlohmann::json& config) {
  std::filesystem::create_directories(dir);
  save_tensors(dir / "model.safetensors", tensors);
  AtomicFile config_file(dir / "config.json");
  config_file.write(config.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  config_file.commit();
}

}  // namespace reasonrec::engine
