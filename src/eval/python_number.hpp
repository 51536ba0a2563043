#pragma once

#include <cstdint>
#include <optional>
#include <vector>

// Python's numeric semantics where NLTK's BLEU depends on them: exact Fraction arithmetic,
// int / int true division (correctly rounded), mixing with float, and math.fsum.
namespace reasonrec::eval::pynum {

__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

// Python's int / int for 128-bit integers: the correctly rounded double of a / b (b != 0).
double true_divide(Int128 a, Int128 b);

// An exact rational with 128-bit parts, always reduced, denominator positive. Operations
// return nullopt where a part would overflow 128 bits (callers then fall back to floats).
class Rational {
 public:
  Rational() = default;
  Rational(std::int64_t numerator, std::int64_t denominator);

  static std::optional<Rational> make(Int128 numerator, Int128 denominator);

  Int128 numerator() const { return num_; }
  Int128 denominator() const { return den_; }
  bool is_zero() const { return num_ == 0; }
  int sign() const { return num_ > 0 ? 1 : (num_ < 0 ? -1 : 0); }
  // float(Fraction): correctly rounded.
  double to_double() const { return true_divide(num_, den_); }

  std::optional<Rational> plus(const Rational& other) const;
  std::optional<Rational> times(const Rational& other) const;
  std::optional<Rational> divided_by(const Rational& other) const;  // other != 0

 private:
  Int128 num_ = 0;
  Int128 den_ = 1;
};

// A number as Python code holds it: an exact int/Fraction, or a float. Operators follow
// Python: exact op exact stays exact, anything involving a float is computed in floats
// (each exact operand converted with float() first). If exact arithmetic would overflow
// 128 bits the result becomes a float (Python's big integers would stay exact; the value
// then differs from Python's in the last bits at most).
class Number {
 public:
  Number() = default;
  static Number exact(const Rational& r);
  static Number exact(std::int64_t numerator, std::int64_t denominator = 1);
  static Number real(double v);

  bool is_exact() const { return exact_; }
  double to_double() const { return exact_ ? rational_.to_double() : real_; }
  const Rational& rational() const { return rational_; }
  bool is_zero() const { return exact_ ? rational_.is_zero() : real_ == 0.0; }
  bool is_positive() const { return exact_ ? rational_.sign() > 0 : real_ > 0.0; }

  friend Number operator+(const Number& a, const Number& b);
  friend Number operator*(const Number& a, const Number& b);
  // Python's true division: int / int gives a float, Fraction / int a Fraction.
  friend Number operator/(const Number& a, const Number& b);

  // Marks an exact number as a Python int (so that int / int yields a float).
  static Number integer(std::int64_t v);
  bool is_int() const { return exact_ && int_; }

 private:
  bool exact_ = true;
  bool int_ = false;
  Rational rational_;
  double real_ = 0.0;
};

// math.fsum: the correctly rounded sum of finite doubles.
double fsum(const std::vector<double>& values);

}  // namespace reasonrec::eval::pynum
