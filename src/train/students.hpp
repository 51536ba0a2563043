#pragma once

// The two student families behind Student (internal to the trainer).

#include <memory>
#include <optional>

#include "engine/checkpoint/checkpoint_dir.hpp"
#include "train/student.hpp"

namespace reasonrec::train {

std::unique_ptr<Student> make_t5_student(const engine::CheckpointDir& checkpoint,
                                         std::shared_ptr<const engine::Tokenizer> tokenizer,
                                         std::optional<double> dropout);
std::unique_ptr<Student> make_decoder_student(const engine::CheckpointDir& checkpoint,
                                              std::shared_ptr<const engine::Tokenizer> tokenizer,
                                              std::optional<double> dropout);

}  // namespace reasonrec::train
