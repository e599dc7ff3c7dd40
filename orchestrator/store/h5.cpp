// h5.cpp — the RAII HDF5 layer (see h5.hpp). Each function checks every C call and throws
// H5Error with the object's name, so callers never look at a negative hid_t.
#include "orchestrator/store/h5.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <mutex>

namespace t2::h5 {
namespace {

// HDF5's reason for the call that just failed, from the calling thread's error stack (which
// H5Eset_auto2 in quiet() stops from being printed, not from being recorded), the way HighFive
// keeps the library's message: the outermost description (what the API call could not do) and
// the innermost (why), e.g. "unable to open file: file signature not found". A system error
// (the sec2 driver's "file write failed: time = ..., errno = 28, error message = 'No space left
// on device', ...") is cut to its description and strerror text. "" when the stack is empty.
std::string stack_reason() {
  std::vector<std::string> descs;
  auto walk = [](unsigned, const H5E_error2_t* e, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->push_back(e->desc ? e->desc : "");
    return 0;
  };
  // H5Ewalk2 on H5E_DEFAULT would clear the stack on entry (an API call); taking it first keeps it.
  hid_t stack = H5Eget_current_stack();
  if (stack < 0) return "";
  if (H5Ewalk2(stack, H5E_WALK_DOWNWARD, walk, &descs) < 0) descs.clear();
  H5Eclose_stack(stack);
  auto tidy = [](std::string d) {
    auto sys = d.find("error message = '");
    if (sys != std::string::npos) {
      auto from = sys + 17, to = d.find('\'', from);
      auto head = d.find(':');
      std::string msg = d.substr(from, to == std::string::npos ? std::string::npos : to - from);
      d = (head != std::string::npos && head < sys ? d.substr(0, head) + ": " : std::string()) + msg;
    }
    if (d.size() > 200) d = d.substr(0, 200) + "...";
    return d;
  };
  while (!descs.empty() && descs.back().empty()) descs.pop_back();
  if (descs.empty()) return "";
  std::string inner = tidy(descs.back()), outer = tidy(descs.front());
  return descs.size() == 1 || outer == inner ? inner : outer + ": " + inner;
}

[[noreturn]] void fail(const std::string& what) {
  std::string reason = stack_reason();
  throw H5Error(reason.empty() ? what : what + ": " + reason);
}

hid_t check(hid_t id, const std::string& what) {
  if (id < 0) fail(what);
  return id;
}
void check_status(herr_t status, const std::string& what) {
  if (status < 0) fail(what);
}

Id fapl() {
  Id p(check(H5Pcreate(H5P_FILE_ACCESS), "cannot create file access list"), H5Pclose);
  check_status(H5Pset_file_locking(p, false, true), "cannot turn off HDF5 file locking");
  // Closing the file closes everything in it, so a close is always a real close (and flush)
  // before a rename or an fdatasync, even if some handle were still open.
  check_status(H5Pset_fclose_degree(p, H5F_CLOSE_STRONG), "cannot set the file close degree");
  return p;
}

// Transfer list for row writes: HDF5's default 1 MiB type-conversion buffer is allocated (and
// zeroed) on every write that converts (variable-length strings do); rows are small.
hid_t small_transfer() {
  static hid_t dxpl = [] {
    hid_t p = H5Pcreate(H5P_DATASET_XFER);
    if (p >= 0) H5Pset_buffer(p, 64 * 1024, nullptr, nullptr);
    return p;
  }();
  return dxpl >= 0 ? dxpl : H5P_DEFAULT;
}

Id space_1d(std::uint64_t n, bool extendible) {
  hsize_t dims[1] = {n};
  hsize_t maxdims[1] = {extendible ? H5S_UNLIMITED : n};
  return Id(check(H5Screate_simple(1, dims, maxdims), "cannot create dataspace"), H5Sclose);
}

Id point_selection(hid_t dataset, const std::vector<std::uint64_t>& rows, const std::string& what) {
  Id space(check(H5Dget_space(dataset), "cannot get dataspace of " + what), H5Sclose);
  std::vector<hsize_t> coords(rows.begin(), rows.end());
  check_status(H5Sselect_elements(space, H5S_SELECT_SET, coords.size(), coords.data()),
               "cannot select rows of " + what);
  return space;
}

std::string name_of(hid_t obj) {
  char buf[512];
  auto n = H5Iget_name(obj, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(std::min<ssize_t>(n, sizeof buf - 1))) : "(object)";
}

Id create_chunked_1d(hid_t loc, const std::string& name, hid_t type) {
  Id space = space_1d(0, true);
  Id dcpl(check(H5Pcreate(H5P_DATASET_CREATE), "cannot create property list"), H5Pclose);
  hsize_t chunk[1] = {256};  // rows per chunk: small tables stay small, a sync rewrites few chunks
  check_status(H5Pset_chunk(dcpl, 1, chunk), "cannot set chunking of " + name);
  return Id(check(H5Dcreate2(loc, name.c_str(), type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
                  "cannot create dataset " + name),
            H5Dclose);
}

}  // namespace

void quiet() {
  static std::once_flag once;
  std::call_once(once, [] {
    // No H5close at exit: HDF5 1.10 keeps a file whose H5Fclose failed (a flush that hit "No
    // space left on device") registered with its internals already freed, and its atexit
    // H5close segfaulted closing it again (issue 12 item 4). Every id t2 opens is closed by its
    // Id (RAII) before exit, so there is nothing for the library's teardown to flush.
    H5dont_atexit();
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  });
}

void Id::close(const std::string& what) {
  if (id_ < 0) return;
  herr_t status = closer_ ? closer_(id_) : 0;
  id_ = H5I_INVALID_HID;
  check_status(status, "cannot close " + what);
}

// HDF5 opens by name and follows links: a link planted at a file t2 writes would redirect the
// write (issue 12 item 13). Checked right before the open; the store's own lstat checks and the
// rename of a rebuilt view over the name (which replaces a link, never its target) cover the rest.
static void refuse_symlink(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode))
    throw H5Error(path + " is a symbolic link; refusing to follow it");
}

Id create_file(const std::string& path, std::uint64_t userblock) {
  quiet();
  refuse_symlink(path);
  Id access = fapl();
  Id create(check(H5Pcreate(H5P_FILE_CREATE), "cannot create file creation list"), H5Pclose);
  if (userblock > 0) check_status(H5Pset_userblock(create, userblock), "cannot reserve a user block");
  return Id(check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, create, access), "cannot create HDF5 file"), H5Fclose);
}

Id open_file(const std::string& path, bool write) {
  quiet();
  if (write) refuse_symlink(path);
  Id access = fapl();
  return Id(check(H5Fopen(path.c_str(), write ? H5F_ACC_RDWR : H5F_ACC_RDONLY, access), "cannot open as HDF5"),
            H5Fclose);
}

void flush(hid_t file, const std::string& what) {
  check_status(H5Fflush(file, H5F_SCOPE_GLOBAL), "cannot flush " + what);
}

bool has_hdf5_signature(const std::string& path) {
  static const char sig[8] = {'\x89', 'H', 'D', 'F', '\r', '\n', '\x1a', '\n'};
  std::ifstream in(path, std::ios::binary);
  char buf[8];
  if (!in.read(buf, 8)) return false;
  if (std::memcmp(buf, sig, 8) == 0) return true;
  return in.seekg(512) && in.read(buf, 8) && std::memcmp(buf, sig, 8) == 0;
}

Id create_group(hid_t loc, const std::string& name) {
  return Id(check(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "cannot create group " + name),
            H5Gclose);
}

Id open_group(hid_t loc, const std::string& name) {
  return Id(check(H5Gopen2(loc, name.c_str(), H5P_DEFAULT), "missing group " + name), H5Gclose);
}

bool exists(hid_t loc, const std::string& name) {
  htri_t r = H5Lexists(loc, name.c_str(), H5P_DEFAULT);
  if (r < 0) fail("cannot look up " + name);
  return r > 0;
}

void remove(hid_t loc, const std::string& name) {
  check_status(H5Ldelete(loc, name.c_str(), H5P_DEFAULT), "cannot delete " + name);
}

std::vector<std::string> list(hid_t loc) {
  std::vector<std::string> names;
  auto cb = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->push_back(name);
    return 0;
  };
  check_status(H5Literate(loc, H5_INDEX_NAME, H5_ITER_INC, nullptr, cb, &names), "cannot list " + name_of(loc));
  return names;
}

Id open_dataset(hid_t loc, const std::string& name) {
  return Id(check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), "missing dataset " + name), H5Dclose);
}

// --- attributes ---

namespace {
void write_attr(hid_t obj, const std::string& name, hid_t type, const void* value) {
  if (H5Aexists(obj, name.c_str()) > 0) check_status(H5Adelete(obj, name.c_str()), "cannot replace attribute " + name);
  Id space(check(H5Screate(H5S_SCALAR), "cannot create dataspace"), H5Sclose);
  Id attr(check(H5Acreate2(obj, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), "cannot create attribute " + name),
          H5Aclose);
  check_status(H5Awrite(attr, type, value), "cannot write attribute " + name);
}

// Overwrites a numeric attribute in place when it exists with the same type (no new
// object header message: this is what sync_hdf5 does with `syncing` and `journal_records`).
template <class T>
void write_number_attr(hid_t obj, const std::string& name, T value) {
  hid_t type = native_type<T>();
  if (H5Aexists(obj, name.c_str()) > 0) {
    Id attr(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "cannot open attribute " + name), H5Aclose);
    Id stored(check(H5Aget_type(attr), "cannot read type of attribute " + name), H5Tclose);
    if (H5Tequal(stored, type) > 0) {
      check_status(H5Awrite(attr, type, &value), "cannot write attribute " + name);
      return;
    }
  }
  write_attr(obj, name, type, &value);
}

Id open_attr(hid_t obj, const std::string& name) {
  if (H5Aexists(obj, name.c_str()) <= 0) throw H5Error("missing attribute " + name);
  return Id(check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "cannot open attribute " + name), H5Aclose);
}
}  // namespace

void set_attr(hid_t obj, const std::string& name, const std::string& value) {
  Id type = string_type();
  const char* p = value.c_str();
  write_attr(obj, name, type, &p);
}
void set_attr(hid_t obj, const std::string& name, std::uint8_t value) { write_number_attr(obj, name, value); }
void set_attr(hid_t obj, const std::string& name, std::uint32_t value) { write_number_attr(obj, name, value); }
void set_attr(hid_t obj, const std::string& name, std::uint64_t value) { write_number_attr(obj, name, value); }
void set_attr(hid_t obj, const std::string& name, double value) { write_number_attr(obj, name, value); }

bool has_attr(hid_t obj, const std::string& name) { return H5Aexists(obj, name.c_str()) > 0; }

std::string attr_string(hid_t obj, const std::string& name) {
  Id attr = open_attr(obj, name);
  Id stored(check(H5Aget_type(attr), "cannot read type of attribute " + name), H5Tclose);
  if (H5Tget_class(stored) != H5T_STRING) throw H5Error("attribute " + name + " is not a string");
  if (H5Tis_variable_str(stored) > 0) {
    Id type = string_type();
    char* p = nullptr;
    check_status(H5Aread(attr, type, &p), "cannot read attribute " + name);
    std::string s = p ? p : "";
    H5free_memory(p);
    return s;
  }
  std::size_t size = H5Tget_size(stored);
  std::string s(size, '\0');
  check_status(H5Aread(attr, stored, s.data()), "cannot read attribute " + name);
  s.resize(std::strlen(s.c_str()));
  return s;
}

std::uint64_t attr_uint(hid_t obj, const std::string& name) {
  Id attr = open_attr(obj, name);
  Id stored(check(H5Aget_type(attr), "cannot read type of attribute " + name), H5Tclose);
  if (H5Tget_class(stored) != H5T_INTEGER) throw H5Error("attribute " + name + " is not an integer");
  std::uint64_t v = 0;
  check_status(H5Aread(attr, H5T_NATIVE_UINT64, &v), "cannot read attribute " + name);
  return v;
}

double attr_double(hid_t obj, const std::string& name) {
  Id attr = open_attr(obj, name);
  double v = 0;
  check_status(H5Aread(attr, H5T_NATIVE_DOUBLE, &v), "cannot read attribute " + name);
  return v;
}

// --- columns ---

template <> hid_t native_type<double>() { return H5T_NATIVE_DOUBLE; }
template <> hid_t native_type<float>() { return H5T_NATIVE_FLOAT; }
template <> hid_t native_type<std::uint8_t>() { return H5T_NATIVE_UINT8; }
template <> hid_t native_type<std::uint32_t>() { return H5T_NATIVE_UINT32; }
template <> hid_t native_type<std::uint64_t>() { return H5T_NATIVE_UINT64; }
template <> hid_t native_type<std::int32_t>() { return H5T_NATIVE_INT32; }

Id string_type() {
  Id t(check(H5Tcopy(H5T_C_S1), "cannot create string type"), H5Tclose);
  check_status(H5Tset_size(t, H5T_VARIABLE), "cannot create string type");
  check_status(H5Tset_cset(t, H5T_CSET_UTF8), "cannot create string type");
  return t;
}

std::vector<std::uint64_t> shape(hid_t dataset) {
  Id space(check(H5Dget_space(dataset), "cannot get dataspace of " + name_of(dataset)), H5Sclose);
  int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0) fail("cannot get rank of " + name_of(dataset));
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return {dims.begin(), dims.end()};
}

H5T_class_t type_class(hid_t dataset) {
  Id type(check(H5Dget_type(dataset), "cannot get the type of " + name_of(dataset)), H5Tclose);
  H5T_class_t cls = H5Tget_class(type);
  if (cls == H5T_NO_CLASS) fail("cannot get the type class of " + name_of(dataset));
  return cls;
}

std::uint64_t length(hid_t dataset) {
  auto s = shape(dataset);
  if (s.size() != 1) throw H5Error(name_of(dataset) + " is not one-dimensional");
  return s[0];
}

template <class T>
void create_column(hid_t loc, const std::string& name, const std::string& units) {
  Id ds = create_chunked_1d(loc, name, native_type<T>());
  if (!units.empty()) set_attr(ds, "units", units);
}

void create_string_column(hid_t loc, const std::string& name) {
  Id type = string_type();
  create_chunked_1d(loc, name, type);
}

void set_length(hid_t dataset, std::uint64_t n) {
  hsize_t dims[1] = {n};
  check_status(H5Dset_extent(dataset, dims), "cannot extend " + name_of(dataset));
}

template <class T>
void write_rows(hid_t dataset, const std::vector<std::uint64_t>& rows, const std::vector<T>& values) {
  if (rows.empty()) return;
  std::string what = name_of(dataset);
  Id file_space = point_selection(dataset, rows, what);
  Id mem_space = space_1d(rows.size(), false);
  check_status(H5Dwrite(dataset, native_type<T>(), mem_space, file_space, small_transfer(), values.data()),
               "cannot write " + what);
}

void write_string_rows(hid_t dataset, const std::vector<std::uint64_t>& rows, const std::vector<std::string>& values) {
  if (rows.empty()) return;
  std::string what = name_of(dataset);
  std::vector<const char*> ptrs;
  ptrs.reserve(values.size());
  for (auto& v : values) ptrs.push_back(v.c_str());
  Id type = string_type();
  Id file_space = point_selection(dataset, rows, what);
  Id mem_space = space_1d(rows.size(), false);
  check_status(H5Dwrite(dataset, type, mem_space, file_space, small_transfer(), ptrs.data()), "cannot write " + what);
}

template <class T>
std::vector<T> read_column(hid_t dataset) {
  std::vector<T> v(length(dataset));
  if (!v.empty())
    check_status(H5Dread(dataset, native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()),
                 "cannot read " + name_of(dataset));
  return v;
}

std::vector<std::string> read_string_column(hid_t dataset) {
  std::string what = name_of(dataset);
  std::uint64_t n = length(dataset);
  std::vector<std::string> out(n);
  if (n == 0) return out;
  Id stored(check(H5Dget_type(dataset), "cannot read type of " + what), H5Tclose);
  if (H5Tget_class(stored) != H5T_STRING || H5Tis_variable_str(stored) <= 0)
    throw H5Error(what + " is not a variable-length string column");
  Id type = string_type();
  std::vector<char*> ptrs(n, nullptr);
  check_status(H5Dread(dataset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), "cannot read " + what);
  for (std::uint64_t i = 0; i < n; ++i) out[i] = ptrs[i] ? ptrs[i] : "";
  Id space(check(H5Dget_space(dataset), "cannot get dataspace of " + what), H5Sclose);
  H5Dvlen_reclaim(type, space, H5P_DEFAULT, ptrs.data());
  return out;
}

// --- 2-D ---

template <class T>
void write_matrix(hid_t loc, const std::string& name, std::uint64_t rows, std::uint64_t cols,
                  const std::vector<T>& data, int gzip_level) {
  if (data.size() != rows * cols) throw H5Error("matrix " + name + ": data does not match its shape");
  hsize_t dims[2] = {rows, cols};
  Id space(check(H5Screate_simple(2, dims, nullptr), "cannot create dataspace"), H5Sclose);
  Id dcpl(check(H5Pcreate(H5P_DATASET_CREATE), "cannot create property list"), H5Pclose);
  if (rows > 0 && cols > 0) {
    // About 64 KiB of elements per chunk, whole rows, so reading a range of problems is cheap.
    hsize_t chunk_rows = std::max<hsize_t>(1, std::min<hsize_t>(rows, (1u << 16) / std::max<hsize_t>(1, cols * sizeof(T))));
    hsize_t chunk[2] = {chunk_rows, cols};
    check_status(H5Pset_chunk(dcpl, 2, chunk), "cannot set chunking of " + name);
    if (gzip_level > 0) {
      check_status(H5Pset_shuffle(dcpl), "cannot set shuffle filter of " + name);
      check_status(H5Pset_deflate(dcpl, static_cast<unsigned>(gzip_level)), "cannot set gzip filter of " + name);
    }
  }
  Id ds(check(H5Dcreate2(loc, name.c_str(), native_type<T>(), space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
              "cannot create dataset " + name),
        H5Dclose);
  if (!data.empty())
    check_status(H5Dwrite(ds, native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), "cannot write " + name);
}

template <class T>
std::vector<T> read_matrix(hid_t dataset, std::uint64_t& rows, std::uint64_t& cols) {
  auto s = shape(dataset);
  if (s.size() != 2) throw H5Error(name_of(dataset) + " is not two-dimensional");
  rows = s[0];
  cols = s[1];
  std::vector<T> v(rows * cols);
  if (!v.empty())
    check_status(H5Dread(dataset, native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()),
                 "cannot read " + name_of(dataset));
  return v;
}

void create_nan_matrix(hid_t loc, const std::string& name, std::uint64_t chunk_cols) {
  hsize_t dims[2] = {0, 0};
  hsize_t maxdims[2] = {H5S_UNLIMITED, H5S_UNLIMITED};
  Id space(check(H5Screate_simple(2, dims, maxdims), "cannot create dataspace"), H5Sclose);
  Id dcpl(check(H5Pcreate(H5P_DATASET_CREATE), "cannot create property list"), H5Pclose);
  hsize_t chunk[2] = {64, chunk_cols};
  check_status(H5Pset_chunk(dcpl, 2, chunk), "cannot set chunking of " + name);
  float nan = std::numeric_limits<float>::quiet_NaN();
  check_status(H5Pset_fill_value(dcpl, H5T_NATIVE_FLOAT, &nan), "cannot set fill value of " + name);
  check_status(H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC), "cannot set fill time of " + name);
  Id ds(check(H5Dcreate2(loc, name.c_str(), H5T_NATIVE_FLOAT, space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
              "cannot create dataset " + name),
        H5Dclose);
}

void set_shape(hid_t dataset, std::uint64_t rows, std::uint64_t cols) {
  hsize_t dims[2] = {rows, cols};
  check_status(H5Dset_extent(dataset, dims), "cannot extend " + name_of(dataset));
}

void write_matrix_row(hid_t dataset, std::uint64_t row, const std::vector<float>& values) {
  auto s = shape(dataset);
  std::string what = name_of(dataset);
  if (s.size() != 2 || row >= s[0] || values.size() > s[1]) throw H5Error("row out of range in " + what);
  std::vector<float> padded(values);
  padded.resize(s[1], std::numeric_limits<float>::quiet_NaN());
  if (padded.empty()) return;
  Id file_space(check(H5Dget_space(dataset), "cannot get dataspace of " + what), H5Sclose);
  hsize_t start[2] = {row, 0}, count[2] = {1, s[1]};
  check_status(H5Sselect_hyperslab(file_space, H5S_SELECT_SET, start, nullptr, count, nullptr),
               "cannot select a row of " + what);
  Id mem_space = space_1d(padded.size(), false);
  check_status(H5Dwrite(dataset, H5T_NATIVE_FLOAT, mem_space, file_space, H5P_DEFAULT, padded.data()),
               "cannot write " + what);
}

template <class T>
void write_vector(hid_t loc, const std::string& name, const std::vector<T>& data, int gzip_level) {
  hsize_t dims[1] = {data.size()};
  Id space(check(H5Screate_simple(1, dims, nullptr), "cannot create dataspace"), H5Sclose);
  Id dcpl(check(H5Pcreate(H5P_DATASET_CREATE), "cannot create property list"), H5Pclose);
  if (!data.empty() && gzip_level > 0) {
    hsize_t chunk[1] = {std::min<hsize_t>(data.size(), 1u << 13)};
    check_status(H5Pset_chunk(dcpl, 1, chunk), "cannot set chunking of " + name);
    check_status(H5Pset_deflate(dcpl, static_cast<unsigned>(gzip_level)), "cannot set gzip filter of " + name);
  }
  Id ds(check(H5Dcreate2(loc, name.c_str(), native_type<T>(), space, H5P_DEFAULT, dcpl, H5P_DEFAULT),
              "cannot create dataset " + name),
        H5Dclose);
  if (!data.empty())
    check_status(H5Dwrite(ds, native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), "cannot write " + name);
}

#define T2_H5_INSTANTIATE(T)                                                                              \
  template void create_column<T>(hid_t, const std::string&, const std::string&);                          \
  template void write_rows<T>(hid_t, const std::vector<std::uint64_t>&, const std::vector<T>&);           \
  template std::vector<T> read_column<T>(hid_t);                                                          \
  template void write_matrix<T>(hid_t, const std::string&, std::uint64_t, std::uint64_t, const std::vector<T>&, int); \
  template std::vector<T> read_matrix<T>(hid_t, std::uint64_t&, std::uint64_t&);                          \
  template void write_vector<T>(hid_t, const std::string&, const std::vector<T>&, int);
T2_H5_INSTANTIATE(double)
T2_H5_INSTANTIATE(float)
T2_H5_INSTANTIATE(std::uint8_t)
T2_H5_INSTANTIATE(std::uint32_t)
T2_H5_INSTANTIATE(std::uint64_t)
T2_H5_INSTANTIATE(std::int32_t)
#undef T2_H5_INSTANTIATE

}  // namespace t2::h5
