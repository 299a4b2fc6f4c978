"""Links to other datasets (``kg link``): proposals with their evidence, a review file,
and the accepted links as a graph of their own under data/links/."""
