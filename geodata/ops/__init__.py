"""Operations: benchmarks, local servers, throw-away databases, migrations."""
