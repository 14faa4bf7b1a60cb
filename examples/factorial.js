function factorial(n) {
  if (n <= 1) {
    return 1;
  }
  return 
}

console.log(factorial(5));
