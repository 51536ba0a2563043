#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/paths.hpp"

namespace reasonrec::test {

// A tiny Llama-shaped model with random weights and the stories260K tokenizer (converted by
// `reasonrec convert llama2c`), with a context long enough for the paper's prompts.
std::filesystem::path tiny_random_model(const std::filesystem::path& dir);

// Each test builds its own model in its own scratch directory: ctest runs the tests of a binary
// as separate processes, in parallel.
class TinyServeModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = scratch_dir();
    model_ = tiny_random_model(dir_);
  }
  std::filesystem::path dir_;
  std::filesystem::path model_;
};

// `reasonrec serve` as a child process on a free loopback port; SIGTERM on destruction.
class ServeProcess {
 public:
  ServeProcess(const std::filesystem::path& model, std::vector<std::string> extra_args = {},
               std::vector<std::string> environment = {});
  ~ServeProcess();
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  // Sends SIGTERM and waits; returns the exit status (-1 if killed by a signal).
  int terminate();
  std::string log() const;

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::filesystem::path log_;
};

// The samples of a server's /metrics, by name.
std::map<std::string, double> metrics_of(int port);

}  // namespace reasonrec::test
