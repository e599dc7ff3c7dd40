// wire.hpp — the binary encoding of job specs and results, used for MPI messages and for
// journal records. Little-endian host layout (one cluster, one architecture), with lengths
// checked on decode so a damaged record is reported, never read past its end.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "contract/job.hpp"

namespace t2 {

class WireError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ByteWriter {
 public:
  template <class T>
  void put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    append(&v, sizeof(T));
  }
  void put_string(const std::string& s) {
    put<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
    append(s.data(), s.size());
  }
  template <class T>
  void put_vector(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    put<std::uint64_t>(v.size());
    append(v.data(), v.size() * sizeof(T));
  }
  std::vector<char>& bytes() { return buf_; }
  void clear() { buf_.clear(); }

 private:
  void append(const void* p, std::size_t n) {
    if (n == 0) return;
    std::size_t at = buf_.size();
    buf_.resize(at + n);
    std::memcpy(buf_.data() + at, p, n);
  }
  std::vector<char> buf_;
};

class ByteReader {
 public:
  ByteReader(const char* data, std::size_t size) : p_(data), end_(data + size) {}
  template <class T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    need(sizeof(T));
    T v;
    std::memcpy(&v, p_, sizeof(T));
    p_ += sizeof(T);
    return v;
  }
  std::string get_string() {
    auto n = get<std::uint32_t>();
    need(n);
    std::string s(p_, n);
    p_ += n;
    return s;
  }
  template <class T>
  std::vector<T> get_vector() {
    auto n = get<std::uint64_t>();
    if (n > static_cast<std::uint64_t>(end_ - p_) / sizeof(T)) throw WireError("vector length past end of record");
    std::vector<T> v(n);
    if (n) std::memcpy(v.data(), p_, n * sizeof(T));
    p_ += n * sizeof(T);
    return v;
  }
  bool done() const { return p_ == end_; }
  std::size_t remaining() const { return static_cast<std::size_t>(end_ - p_); }

 private:
  void need(std::size_t n) const {
    if (static_cast<std::size_t>(end_ - p_) < n) throw WireError("record ends early");
  }
  const char* p_;
  const char* end_;
};

void encode(ByteWriter&, const TrainSpec&);
void encode(ByteWriter&, const TrainResult&);
void encode(ByteWriter&, const EvalSpec&);
void encode(ByteWriter&, const EvalResult&);
void decode(ByteReader&, TrainSpec&);
void decode(ByteReader&, TrainResult&);
void decode(ByteReader&, EvalSpec&);
void decode(ByteReader&, EvalResult&);

}  // namespace t2
