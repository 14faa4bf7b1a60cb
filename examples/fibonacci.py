def fibonacci(n: int) -> int:
    """Return the n-th Fibonacci number."""
    if n < 2:
        return n
    return 


if __name__ == "__main__":
    for i in range(10):
        print(i, fibonacci(i))
