#include <pthread.h>

#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <thread>

#include <fmt/format.h>

#include "annotate/app.hpp"
#include "annotate/study.hpp"
#include "cli/commands.hpp"
#include "cli/input_files.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace reasonrec::cli {

namespace {

struct CreateArgs {
  std::vector<std::string> predictions;
  std::vector<std::string> examples;
  std::string out;
  std::size_t samples = 100;
  std::size_t raters = 3;
  std::uint64_t seed = 0;
  std::string split = "test";
};

struct ServeArgs {
  std::string study;
  std::string host = "127.0.0.1";
  int port = 8080;
};

struct ExportArgs {
  std::string study;
  std::string out;
};

// DOMAIN=PATH, or PATH (the domain is then the name of the folder holding it).
annotate::Source parse_source(const std::string& spec) {
  annotate::Source s;
  const auto eq = spec.find('=');
  if (eq != std::string::npos && eq > 0) {
    s.domain = spec.substr(0, eq);
    s.examples_path = spec.substr(eq + 1);
  } else {
    s.examples_path = spec;
    const auto parent = std::filesystem::path(spec).parent_path().filename().string();
    s.domain = parent.empty() ? "default" : parent;
  }
  require_input_file(s.examples_path, "--examples");
  return s;
}

void print_links(const std::string& base, const std::vector<annotate::Rater>& raters,
                 const std::string& admin) {
  for (const auto& r : raters) std::cout << fmt::format("{}\t{}/rate#{}\n", r.name, base, r.token);
  std::cout << fmt::format("admin\t{}/admin#{}\n", base, admin);
}

void run_create(const CreateArgs& args) {
  annotate::CreateOptions options;
  for (const auto& p : args.predictions) require_input_file(p, "--predictions");
  options.predictions = args.predictions;
  for (const auto& e : args.examples) options.examples.push_back(parse_source(e));
  options.out = args.out;
  options.samples = args.samples;
  options.raters = args.raters;
  options.seed = args.seed;
  options.split = args.split;
  const auto summary = annotate::create_study(options);
  std::cerr << fmt::format(
      "annotate create: {} examples x {} prediction files = {} items, each for {} raters, in {}\n",
      summary.examples, args.predictions.size(), summary.items, summary.raters.size(), args.out);
  // The secret links (relative to where the study is served): hand one to each rater.
  print_links("http://127.0.0.1:8080", summary.raters, summary.admin_token);
}

void run_serve(const ServeArgs& args) {
  require_input_file(args.study, "--study");
  annotate::Study study(args.study);
  // SIGINT/SIGTERM are taken by sigwait below, never by the server's threads.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  http::ServerOptions options;
  options.host = args.host;
  options.port = args.port;
  options.limits.max_body_bytes = 128 * 1024;
  http::Server server(options);
  annotate::add_routes(server, study);
  const int port = server.bind();
  const std::string host =
      args.host.find(':') != std::string::npos ? "[" + args.host + "]" : args.host;
  const std::string base = fmt::format("http://{}:{}", host, port);
  std::cerr << fmt::format("annotate serve: {} on {}\n", args.study, base);
  print_links(base, study.raters(), study.admin_token());
  std::cout.flush();
  std::thread waiter([&] {
    int signal = 0;
    sigwait(&signals, &signal);
    server.stop();
  });
  server.run();
  // run() only returns after stop(): the waiter has finished.
  waiter.join();
  std::cerr << "annotate serve: stopped\n";
}

void run_export(const ExportArgs& args) {
  require_input_file(args.study, "--study");
  annotate::Study study(args.study);
  const std::string lines = study.export_jsonl();
  write_file_atomically(args.out, lines);
  std::size_t count = 0;
  for (char c : lines) count += c == '\n';
  std::cerr << fmt::format("annotate export: {} judgments (item x rater) to {}\n", count, args.out);
}

}  // namespace

void add_annotate_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "annotate", "Human evaluation of reasoning: create a study, serve it to raters, export");
  cmd->require_subcommand(1);

  auto create = std::make_shared<CreateArgs>();
  auto* c = cmd->add_subcommand(
      "create", "Sample items balanced over domains and true ratings, assign them to raters");
  c->add_option("--predictions", create->predictions,
                "predictions.jsonl files; each sampled example is rated once per file")
      ->required();
  c->add_option("--examples", create->examples,
                "examples.jsonl, one per domain, as DOMAIN=PATH (or PATH: domain = its folder)")
      ->required();
  c->add_option("--out", create->out, "the new study file (SQLite)")->required();
  c->add_option("--samples", create->samples, "examples drawn in all, split evenly over domains")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  c->add_option("--raters", create->raters, "raters, each of whom rates every item")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  c->add_option("--seed", create->seed, "sampling and ordering seed")->capture_default_str();
  c->add_option("--split", create->split, "split to draw from")
      ->capture_default_str()
      ->check(CLI::IsMember({"train", "test"}));
  c->callback([create] { run_create(*create); });

  auto serve = std::make_shared<ServeArgs>();
  auto* s = cmd->add_subcommand("serve", "Serve the rater and admin pages (docs/annotate.md)");
  s->add_option("--study", serve->study, "study file from annotate create")->required();
  s->add_option("--host", serve->host, "address to listen on (loopback by default)")
      ->capture_default_str();
  s->add_option("--port", serve->port, "port (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  s->callback([serve] { run_serve(*serve); });

  auto exp = std::make_shared<ExportArgs>();
  auto* e = cmd->add_subcommand("export", "Write judgments.jsonl: one line per item x rater");
  e->add_option("--study", exp->study, "study file")->required();
  e->add_option("--out", exp->out, "judgments.jsonl to write")->required();
  e->callback([exp] { run_export(*exp); });
}

}  // namespace reasonrec::cli
