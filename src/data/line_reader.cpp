#include "data/line_reader.hpp"

#include <cstring>

#include "util/error.hpp"

namespace reasonrec::data {

namespace {
constexpr std::size_t kMaxQueuedBlocks = 3;
}

LineReader::LineReader(const std::string& path, std::size_t block_size)
    : path_(path), block_size_(block_size) {
  source_ = std::make_unique<ByteSource>(path);  // throws here, on the caller's thread
  compression_ = source_->compression();
  producer_ = std::thread([this] { produce(); });
}

LineReader::~LineReader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  producer_.join();
}

// Fills blocks that end on a line boundary; the partial last line is carried to the next block.
void LineReader::produce() {
  std::vector<char> carry;
  bool done = false;
  while (!done) {
    Block block;
    std::size_t want = block_size_;
    block.data.resize(carry.size() + want + kLinePadding);
    if (!carry.empty()) std::memcpy(block.data.data(), carry.data(), carry.size());
    std::size_t size = carry.size();
    carry.clear();
    try {
      for (;;) {
        const std::size_t n = source_->read(block.data.data() + size, want);
        size += n;
        if (n == 0) {
          done = true;
          break;
        }
        // Cut after the last newline; a block without any newline grows until it has one.
        const char* begin = block.data.data();
        const void* last = nullptr;
        for (std::size_t i = size; i > 0; --i) {
          if (begin[i - 1] == '\n') {
            last = begin + i - 1;
            break;
          }
        }
        if (last != nullptr) {
          const std::size_t cut = static_cast<const char*>(last) - begin + 1;
          carry.assign(block.data.begin() + static_cast<std::ptrdiff_t>(cut),
                       block.data.begin() + static_cast<std::ptrdiff_t>(size));
          size = cut;
          break;
        }
        block.data.resize(size + want + kLinePadding);
      }
    } catch (...) {
      block.error = std::current_exception();
      done = true;
    }
    block.size = size;
    std::memset(block.data.data() + size, 0, block.data.size() - size);
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [&] { return stopping_ || queue_.size() < kMaxQueuedBlocks; });
    if (stopping_) return;
    queue_.push_back(std::move(block));
    if (done) producer_done_ = true;
    changed_.notify_all();
  }
}

bool LineReader::take_block() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return !queue_.empty() || producer_done_; });
  if (queue_.empty()) return false;
  current_ = std::move(queue_.front());
  queue_.pop_front();
  pos_ = 0;
  changed_.notify_all();
  return true;
}

bool LineReader::next(Line& line) {
  while (!finished_) {
    if (pos_ < current_.size) {
      const char* begin = current_.data.data() + pos_;
      const std::size_t left = current_.size - pos_;
      const void* nl = std::memchr(begin, '\n', left);
      if (nl == nullptr && current_.error) {
        // The stream broke inside this line: it is incomplete, so report the break instead.
        pos_ = current_.size;
        continue;
      }
      std::size_t len =
          nl != nullptr ? static_cast<std::size_t>(static_cast<const char*>(nl) - begin) : left;
      pos_ += len + (nl != nullptr ? 1 : 0);
      bytes_ += len + (nl != nullptr ? 1 : 0);
      if (len > 0 && begin[len - 1] == '\r') --len;
      line.text = std::string_view(begin, len);
      line.number = ++line_number_;
      line.readable = current_.data.size() - (begin - current_.data.data());
      return true;
    }
    if (current_.error) {
      const auto error = current_.error;
      current_.error = nullptr;
      finished_ = true;
      try {
        std::rethrow_exception(error);
      } catch (const StreamError& e) {
        throw StreamError(path_, line_number_ + 1, e.reason());
      }
    }
    if (!take_block()) {
      finished_ = true;
      return false;
    }
  }
  return false;
}

}  // namespace reasonrec::data
