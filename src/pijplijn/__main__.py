from pijplijn.cli import main

main()
