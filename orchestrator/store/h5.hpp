// h5.hpp — a thin RAII layer over the HDF5 C API, just what the store and the exporter need:
// files, groups, attributes, extendible 1-D column datasets (numbers and UTF-8 strings) and
// 2-D matrices. Every failure throws H5Error naming the object and carrying HDF5's own reason
// from its error stack ("cannot open as HDF5: unable to open file: file signature not found";
// "...: file write failed: No space left on device"); the stack is never printed. Knows nothing
// of the store's schema (that is hdf5_view.cpp and export.cpp).
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace t2::h5 {

class H5Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Turns off HDF5's automatic error printing (once per process; errors are still recorded and
// read into H5Error). Called by every entry point.
void quiet();

// One HDF5 identifier, closed with the matching H5*close when it goes out of scope.
class Id {
 public:
  using Closer = herr_t (*)(hid_t);
  Id() = default;
  Id(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  Id(Id&& o) noexcept : id_(o.id_), closer_(o.closer_) { o.id_ = H5I_INVALID_HID; }
  Id& operator=(Id&& o) noexcept {
    if (this != &o) { reset(); id_ = o.id_; closer_ = o.closer_; o.id_ = H5I_INVALID_HID; }
    return *this;
  }
  ~Id() { reset(); }
  hid_t get() const { return id_; }
  operator hid_t() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset() {
    if (id_ >= 0 && closer_) closer_(id_);
    id_ = H5I_INVALID_HID;
  }
  // Closes now and reports failure (a file close is where buffered data reaches the OS).
  void close(const std::string& what);

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

// --- files and groups ---
// HDF5's own flock is turned off: STORE.lock is the writer lock, and readers must not make
// a running coordinator's sync fail. Default (1.8-compatible) format: no superblock
// "open for writing" flag that a kill -9 would leave set (platform-notes §2.3).
// userblock: bytes reserved before the superblock for the caller (0, or a power of 2 >= 512);
// HDF5 never reads or writes them and finds its signature after them.
Id create_file(const std::string& path, std::uint64_t userblock = 0);  // truncates
Id open_file(const std::string& path, bool write);
void flush(hid_t file, const std::string& what);
// \x89HDF\r\n\x1a\n at byte 0, or at 512 after a user block (the t2 view's seal).
bool has_hdf5_signature(const std::string& path);

Id create_group(hid_t loc, const std::string& name);
Id open_group(hid_t loc, const std::string& name);
bool exists(hid_t loc, const std::string& name);     // a direct child link
void remove(hid_t loc, const std::string& name);
std::vector<std::string> list(hid_t loc);            // child names, sorted by name
Id open_dataset(hid_t loc, const std::string& name);

// --- attributes (scalar) ---
void set_attr(hid_t obj, const std::string& name, const std::string& value);  // UTF-8 variable-length
void set_attr(hid_t obj, const std::string& name, std::uint8_t value);
void set_attr(hid_t obj, const std::string& name, std::uint32_t value);
void set_attr(hid_t obj, const std::string& name, std::uint64_t value);
void set_attr(hid_t obj, const std::string& name, double value);
inline void set_attr(hid_t obj, const std::string& name, const char* value) { set_attr(obj, name, std::string(value)); }
bool has_attr(hid_t obj, const std::string& name);
std::string attr_string(hid_t obj, const std::string& name);
std::uint64_t attr_uint(hid_t obj, const std::string& name);   // any integer attribute
double attr_double(hid_t obj, const std::string& name);

// --- 1-D columns: chunked, extendible, uncompressed (rows are rewritten in place) ---
template <class T> hid_t native_type();  // double, float, uint8/32/64, int32
Id string_type();                         // variable-length UTF-8

std::uint64_t length(hid_t dataset);      // first dimension
std::vector<std::uint64_t> shape(hid_t dataset);
H5T_class_t type_class(hid_t dataset);   // H5T_FLOAT, H5T_INTEGER, H5T_STRING, ...

template <class T>
void create_column(hid_t loc, const std::string& name, const std::string& units = "");
void create_string_column(hid_t loc, const std::string& name);
void set_length(hid_t dataset, std::uint64_t n);   // 1-D extent
// Writes values[i] to row rows[i] (rows unique, all < length).
template <class T>
void write_rows(hid_t dataset, const std::vector<std::uint64_t>& rows, const std::vector<T>& values);
void write_string_rows(hid_t dataset, const std::vector<std::uint64_t>& rows, const std::vector<std::string>& values);
template <class T>
std::vector<T> read_column(hid_t dataset);        // converts from the stored type
std::vector<std::string> read_string_column(hid_t dataset);

// --- 2-D arrays ---
// Fixed-shape rows x cols matrix, chunked and gzip-compressed (contiguous when empty).
template <class T>
void write_matrix(hid_t loc, const std::string& name, std::uint64_t rows, std::uint64_t cols,
                  const std::vector<T>& data, int gzip_level);
template <class T>
std::vector<T> read_matrix(hid_t dataset, std::uint64_t& rows, std::uint64_t& cols);
// Extendible rows x cols float matrix whose unwritten cells read as NaN (loss curves).
void create_nan_matrix(hid_t loc, const std::string& name, std::uint64_t chunk_cols);
void set_shape(hid_t dataset, std::uint64_t rows, std::uint64_t cols);
void write_matrix_row(hid_t dataset, std::uint64_t row, const std::vector<float>& values);  // cols >= size
// 1-D fixed dataset (per-problem NLL and the like), gzip when non-empty.
template <class T>
void write_vector(hid_t loc, const std::string& name, const std::vector<T>& data, int gzip_level);

}  // namespace t2::h5
