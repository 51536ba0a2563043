#include "eval/python_number.hpp"

#include <cmath>
#include <utility>

namespace reasonrec::eval::pynum {

namespace {

UInt128 uabs(Int128 v) {
  return v < 0 ? UInt128(0) - static_cast<UInt128>(v) : UInt128(v);
}

int bit_length(UInt128 v) {
  int n = 0;
  while (v != 0) {
    v >>= 1;
    ++n;
  }
  return n;
}

Int128 gcd(Int128 a, Int128 b) {
  UInt128 x = uabs(a);
  UInt128 y = uabs(b);
  if ((x >> 64) == 0 && (y >> 64) == 0) {  // 64-bit division is several times faster
    auto u = static_cast<std::uint64_t>(x);
    auto v = static_cast<std::uint64_t>(y);
    while (v != 0) {
      const std::uint64_t t = u % v;
      u = v;
      v = t;
    }
    return static_cast<Int128>(u);
  }
  while (y != 0) {
    const UInt128 t = x % y;
    x = y;
    y = t;
  }
  return static_cast<Int128>(x);
}

bool mul(Int128 a, Int128 b, Int128& out) {
  return !__builtin_mul_overflow(a, b, &out);
}
bool add(Int128 a, Int128 b, Int128& out) {
  return !__builtin_add_overflow(a, b, &out);
}

constexpr UInt128 kTwo53 = UInt128(1) << 53;

}  // namespace

double true_divide(Int128 a, Int128 b) {
  const bool negative = (a < 0) != (b < 0);
  UInt128 x = uabs(a);
  const UInt128 y = uabs(b);
  if (x == 0) return negative ? -0.0 : 0.0;
  if (x < kTwo53 && y < kTwo53) {
    // Both exact as doubles: IEEE division rounds correctly.
    const double q = static_cast<double>(x) / static_cast<double>(y);
    return negative ? -q : q;
  }
  // Long division until the quotient has 55 significant bits, then round half to even
  // to 53 bits with the remainder as sticky bit.
  UInt128 q = x / y;
  UInt128 r = x % y;
  int exponent = 0;
  while (bit_length(q) < 55) {
    // r < y <= 2^127, so 2r fits.
    r <<= 1;
    q <<= 1;
    if (r >= y) {
      r -= y;
      q |= 1;
    }
    --exponent;
  }
  const int extra = bit_length(q) - 53;
  UInt128 keep = q >> extra;
  const UInt128 rest = q & ((UInt128(1) << extra) - 1);
  const UInt128 half = UInt128(1) << (extra - 1);
  if (rest > half || (rest == half && (r != 0 || (keep & 1) != 0))) ++keep;
  const double v = std::ldexp(static_cast<double>(keep), extra + exponent);
  return negative ? -v : v;
}

Rational::Rational(std::int64_t numerator, std::int64_t denominator) {
  auto r = make(numerator, denominator);
  if (r) *this = *r;
}

std::optional<Rational> Rational::make(Int128 numerator, Int128 denominator) {
  if (denominator == 0) return std::nullopt;
  if (denominator < 0) {
    numerator = -numerator;
    denominator = -denominator;
  }
  const Int128 g = gcd(numerator, denominator);
  Rational r;
  r.num_ = g > 1 ? numerator / g : numerator;
  r.den_ = g > 1 ? denominator / g : denominator;
  return r;
}

std::optional<Rational> Rational::plus(const Rational& o) const {
  const Int128 g = gcd(den_, o.den_);
  const Int128 da = den_ / g;
  const Int128 db = o.den_ / g;
  Int128 left, right, num, den;
  if (!mul(num_, db, left) || !mul(o.num_, da, right) || !add(left, right, num) ||
      !mul(da, o.den_, den)) {
    return std::nullopt;
  }
  return make(num, den);
}

std::optional<Rational> Rational::times(const Rational& o) const {
  // Cross-reduce first to keep the parts small.
  const Int128 g1 = gcd(num_, o.den_);
  const Int128 g2 = gcd(o.num_, den_);
  const Int128 a = g1 > 1 ? num_ / g1 : num_;
  const Int128 d = g1 > 1 ? o.den_ / g1 : o.den_;
  const Int128 c = g2 > 1 ? o.num_ / g2 : o.num_;
  const Int128 b = g2 > 1 ? den_ / g2 : den_;
  Int128 num, den;
  if (!mul(a, c, num) || !mul(b, d, den)) return std::nullopt;
  return make(num, den);
}

std::optional<Rational> Rational::divided_by(const Rational& o) const {
  if (o.num_ == 0) return std::nullopt;
  Rational inverse;
  inverse.num_ = o.den_;
  inverse.den_ = o.num_;
  if (inverse.den_ < 0) {
    inverse.num_ = -inverse.num_;
    inverse.den_ = -inverse.den_;
  }
  return times(inverse);
}

Number Number::exact(const Rational& r) {
  Number n;
  n.rational_ = r;
  return n;
}

Number Number::exact(std::int64_t numerator, std::int64_t denominator) {
  return exact(Rational(numerator, denominator));
}

Number Number::integer(std::int64_t v) {
  Number n = exact(v, 1);
  n.int_ = true;
  return n;
}

Number Number::real(double v) {
  Number n;
  n.exact_ = false;
  n.real_ = v;
  return n;
}

Number operator+(const Number& a, const Number& b) {
  if (a.exact_ && b.exact_) {
    if (auto r = a.rational_.plus(b.rational_)) {
      Number n = Number::exact(*r);
      n.int_ = a.int_ && b.int_;
      return n;
    }
  }
  return Number::real(a.to_double() + b.to_double());
}

Number operator*(const Number& a, const Number& b) {
  if (a.exact_ && b.exact_) {
    if (auto r = a.rational_.times(b.rational_)) {
      Number n = Number::exact(*r);
      n.int_ = a.int_ && b.int_;
      return n;
    }
  }
  return Number::real(a.to_double() * b.to_double());
}

Number operator/(const Number& a, const Number& b) {
  if (a.int_ && b.int_) {
    return Number::real(true_divide(a.rational_.numerator(), b.rational_.numerator()));
  }
  if (a.exact_ && b.exact_) {
    if (auto r = a.rational_.divided_by(b.rational_)) return Number::exact(*r);
  }
  return Number::real(a.to_double() / b.to_double());
}

double fsum(const std::vector<double>& values) {
  // Shewchuk's exact summation into non-overlapping partials, then the rounding of their
  // sum with the half-way correction that math.fsum applies.
  std::vector<double> partials;
  for (double x : values) {
    std::size_t used = 0;
    for (double y : partials) {
      if (std::fabs(x) < std::fabs(y)) std::swap(x, y);
      const double hi = x + y;
      const double lo = y - (hi - x);
      if (lo != 0.0) partials[used++] = lo;
      x = hi;
    }
    partials.resize(used);
    partials.push_back(x);
  }
  if (partials.empty()) return 0.0;
  std::size_t n = partials.size();
  double hi = partials[--n];
  double lo = 0.0;
  while (n > 0) {
    const double x = hi;
    const double y = partials[--n];
    hi = x + y;
    const double yr = hi - x;
    lo = y - yr;
    if (lo != 0.0) break;
  }
  if (n > 0 && ((lo < 0.0 && partials[n - 1] < 0.0) || (lo > 0.0 && partials[n - 1] > 0.0))) {
    const double y = lo * 2.0;
    const double x = hi + y;
    const double yr = x - hi;
    if (y == yr) hi = x;
  }
  return hi;
}

}  // namespace reasonrec::eval::pynum
