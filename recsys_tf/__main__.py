from recsys_tf.cli import main

raise SystemExit(main())
