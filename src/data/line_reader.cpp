#include "data/line_reader.hpp"

#include <cstring>

#include "util/error.hpp"

namespace reasonrec::data {

namespace {
constexpr std::size_t kMaxQueuedBlocks = 3;
}

LineReader::LineReader(const std::string& path, std::size_t block_size, std::size_t max_line_bytes)
    : path_(path), block_size_(block_size), max_line_bytes_(max_line_bytes) {
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
// A line that grows past max_line_bytes_ without a newline is read on and dropped, and a marker
// block stands in for it, so memory stays bounded whatever the input.
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
        if (size > max_line_bytes_) {
          // The whole block is one unfinished line, already too long.
          block.oversized = size + drop_rest_of_line(carry, done);
          size = 0;
          block.data.assign(kLinePadding, 0);
          break;
        }
        block.data.resize(size + want + kLinePadding);
      }
    } catch (...) {
      block.error = std::current_exception();
      block.oversized = 0;
      done = true;
    }
    block.size = size;
    std::memset(block.data.data() + size, 0, block.data.size() - size);
    if (!push(std::move(block), done)) return;
  }
}

std::size_t LineReader::drop_rest_of_line(std::vector<char>& carry, bool& done) {
  std::vector<char> scratch(block_size_);
  std::size_t dropped = 0;
  for (;;) {
    const std::size_t n = source_->read(scratch.data(), scratch.size());
    if (n == 0) {
      done = true;
      return dropped;
    }
    const void* nl = std::memchr(scratch.data(), '\n', n);
    if (nl != nullptr) {
      const std::size_t cut = static_cast<const char*>(nl) - scratch.data();
      carry.assign(scratch.begin() + static_cast<std::ptrdiff_t>(cut + 1),
                   scratch.begin() + static_cast<std::ptrdiff_t>(n));
      return dropped + cut;
    }
    dropped += n;
  }
}

bool LineReader::push(Block block, bool done) {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return stopping_ || queue_.size() < kMaxQueuedBlocks; });
  if (stopping_) return false;
  queue_.push_back(std::move(block));
  if (done) producer_done_ = true;
  changed_.notify_all();
  return true;
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
      line.number = ++line_number_;
      line.readable = current_.data.size() - (begin - current_.data.data());
      line.oversized = len > max_line_bytes_ ? len : 0;
      line.text = std::string_view(begin, line.oversized > 0 ? 0 : len);
      return true;
    }
    if (current_.oversized > 0) {
      line.number = ++line_number_;
      line.oversized = current_.oversized;
      line.text = std::string_view(current_.data.data(), 0);
      line.readable = current_.data.size();
      bytes_ += current_.oversized + 1;
      current_.oversized = 0;
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
